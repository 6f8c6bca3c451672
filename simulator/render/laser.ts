import { laserDirection, type Vec3 } from '../../calibration/index.ts';
import type { Face } from './rasterizer.ts';

/** A face prepared for ray tests: its plane and edge normals. */
export interface RayTarget {
  normal: Vec3;
  offset: number;
  vertices: readonly Vec3[];
}

export function rayTarget(face: Face): RayTarget | undefined {
  const [a, b] = [face.vertices[0]!, face.vertices[1]!];
  const c = face.vertices[face.vertices.length - 1]!;
  const e1 = { x: b.x - a.x, y: b.y - a.y, z: b.z - a.z };
  const e2 = { x: c.x - a.x, y: c.y - a.y, z: c.z - a.z };
  const n = { x: e1.y * e2.z - e1.z * e2.y, y: e1.z * e2.x - e1.x * e2.z, z: e1.x * e2.y - e1.y * e2.x };
  const length = Math.hypot(n.x, n.y, n.z);
  if (length < 1e-9) return undefined;
  const normal = { x: n.x / length, y: n.y / length, z: n.z / length };
  return { normal, offset: normal.x * a.x + normal.y * a.y + normal.z * a.z, vertices: face.vertices };
}

/** Distance along the ray to the face, or Infinity. Corners wind counter-clockwise about the normal. */
function hitDistance(target: RayTarget, origin: Vec3, direction: Vec3): number {
  const { normal: n } = target;
  const along = n.x * direction.x + n.y * direction.y + n.z * direction.z;
  if (Math.abs(along) < 1e-9) return Number.POSITIVE_INFINITY;
  const t = (target.offset - (n.x * origin.x + n.y * origin.y + n.z * origin.z)) / along;
  if (t <= 0.01) return Number.POSITIVE_INFINITY;
  const p = { x: origin.x + direction.x * t, y: origin.y + direction.y * t, z: origin.z + direction.z * t };
  const vs = target.vertices;
  for (let i = 0; i < vs.length; i++) {
    const a = vs[i]!;
    const b = vs[(i + 1) % vs.length]!;
    const ex = b.x - a.x;
    const ey = b.y - a.y;
    const ez = b.z - a.z;
    const px = p.x - a.x;
    const py = p.y - a.y;
    const pz = p.z - a.z;
    const side = (ey * pz - ez * py) * n.x + (ez * px - ex * pz) * n.y + (ex * py - ey * px) * n.z;
    if (side < -1e-6) return Number.POSITIVE_INFINITY;
  }
  return t;
}

/**
 * How a real locator's mount differs from what the layout says: zero offsets of the pan and tilt
 * axes, a base rolled about the forward (+y) axis, and the laser sitting a little off its
 * nominal position. Hidden from the calibration, which must find its effect from camera frames.
 */
export interface LocatorMountError {
  panOffsetDeg: number;
  tiltOffsetDeg: number;
  rollDeg: number;
  positionErrorCm: Vec3;
}

export const idealLocatorMount: LocatorMountError = {
  panOffsetDeg: 0,
  tiltOffsetDeg: 0,
  rollDeg: 0,
  positionErrorCm: { x: 0, y: 0, z: 0 },
};

/**
 * The error simulated rooms get unless told otherwise: about a degree on each axis and a few cm,
 * so that aiming with the nominal mount misses a slot by several cm, as an uncalibrated real
 * mount does.
 */
export const defaultLocatorMountError: LocatorMountError = {
  panOffsetDeg: 1.1,
  tiltOffsetDeg: -0.8,
  rollDeg: 1.5,
  positionErrorCm: { x: 2.5, y: -3, z: 2 },
};

/** The beam the mount really casts for a commanded pan and tilt. */
export function laserBeam(
  mount: Vec3,
  panDeg: number,
  tiltDeg: number,
  error: LocatorMountError = idealLocatorMount,
): { origin: Vec3; direction: Vec3 } {
  const d = laserDirection(panDeg + error.panOffsetDeg, tiltDeg + error.tiltOffsetDeg);
  const roll = (error.rollDeg * Math.PI) / 180;
  const [c, s] = [Math.cos(roll), Math.sin(roll)];
  const e = error.positionErrorCm;
  return {
    origin: { x: mount.x + e.x, y: mount.y + e.y, z: mount.z + e.z },
    direction: { x: c * d.x + s * d.z, y: d.y, z: -s * d.x + c * d.z },
  };
}

/** Where the locator's beam first meets a surface of the room, its packages or its people. */
export function laserHit(
  mount: Vec3,
  panDeg: number,
  tiltDeg: number,
  targets: Iterable<RayTarget>,
  error: LocatorMountError = idealLocatorMount,
): Vec3 | undefined {
  const { origin, direction } = laserBeam(mount, panDeg, tiltDeg, error);
  let nearest = Number.POSITIVE_INFINITY;
  for (const target of targets) {
    const t = hitDistance(target, origin, direction);
    if (t < nearest) nearest = t;
  }
  if (!Number.isFinite(nearest)) return undefined;
  return {
    x: origin.x + direction.x * nearest,
    y: origin.y + direction.y * nearest,
    z: origin.z + direction.z * nearest,
  };
}
