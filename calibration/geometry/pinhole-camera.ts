import { cross, dot, normalize, sub, type Vec3 } from './vector.ts';

export interface CameraPose {
  positionCm: Vec3;
  lookAtCm: Vec3;
  horizontalFovDeg: number;
}

export interface ProjectedPoint {
  x: number;
  y: number;
  /** Distance along the optical axis, cm; larger is farther. */
  depthCm: number;
}

/**
 * An ideal pinhole camera with square pixels and no roll: image x follows the camera's right,
 * image y points down. Room z is up, so the camera must not look straight up or down.
 */
export interface PinholeCamera {
  readonly width: number;
  readonly height: number;
  readonly focalPx: number;
  readonly position: Vec3;
  readonly right: Vec3;
  readonly down: Vec3;
  readonly forward: Vec3;
  /** Pixel position of a room point, or undefined when it is behind (or too near) the camera. */
  project(point: Vec3): ProjectedPoint | undefined;
}

const nearPlaneCm = 1;

export function createPinholeCamera(
  pose: CameraPose,
  resolution: { width: number; height: number },
): PinholeCamera {
  const forward = normalize(sub(pose.lookAtCm, pose.positionCm));
  const up: Vec3 = { x: 0, y: 0, z: 1 };
  const sideways = cross(forward, up);
  if (Math.hypot(sideways.x, sideways.y, sideways.z) < 1e-6)
    throw new RangeError('a camera cannot look straight up or down');
  const right = normalize(sideways);
  const down = cross(forward, right);
  const focalPx = resolution.width / 2 / Math.tan((pose.horizontalFovDeg * Math.PI) / 360);
  const cx = resolution.width / 2;
  const cy = resolution.height / 2;
  return {
    width: resolution.width,
    height: resolution.height,
    focalPx,
    position: pose.positionCm,
    right,
    down,
    forward,
    project(point) {
      const p = sub(point, pose.positionCm);
      const depth = dot(p, forward);
      if (depth < nearPlaneCm) return undefined;
      return {
        x: cx + (focalPx * dot(p, right)) / depth,
        y: cy + (focalPx * dot(p, down)) / depth,
        depthCm: depth,
      };
    },
  };
}
