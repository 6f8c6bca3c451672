import { createPinholeCamera, type PinholeCamera } from '../geometry/pinhole-camera.ts';
import { add, cross, dot, length, normalize, scale, sub, type Vec3 } from '../geometry/vector.ts';
import type { CameraView, RoomLayout } from '../layout-schema.ts';
import { levelIdOf, unitFrame } from '../room-model.ts';

export interface CameraRay {
  cameraId: string;
  origin: Vec3;
  direction: Vec3;
}

/** A layout camera as a measuring instrument: its pinhole model at the layout resolution. */
export interface MeasuringCamera {
  id: string;
  view: CameraView;
  pinhole: PinholeCamera;
  /** The room ray through a pixel given in the layout's resolution. */
  rayThrough(x: number, y: number): CameraRay;
}

export function measuringCamera(view: CameraView): MeasuringCamera | undefined {
  if (!view.pose) return undefined;
  const pinhole = createPinholeCamera(view.pose, view.resolution);
  const cx = view.resolution.width / 2;
  const cy = view.resolution.height / 2;
  return {
    id: view.id,
    view,
    pinhole,
    rayThrough(x, y) {
      const direction = normalize(
        add(
          pinhole.forward,
          add(
            scale(pinhole.right, (x - cx) / pinhole.focalPx),
            scale(pinhole.down, (y - cy) / pinhole.focalPx),
          ),
        ),
      );
      return { cameraId: view.id, origin: pinhole.position, direction };
    },
  };
}

export interface Triangulation {
  pointCm: Vec3;
  /** The largest distance of the point from any of the rays, cm: how well the cameras agree. */
  spreadCm: number;
}

/**
 * The point nearest to all rays in the least-squares sense: Σ (I − d dᵀ)(p − o) = 0. Undefined
 * for fewer than two rays or rays too close to parallel to cross.
 */
export function triangulate(rays: readonly CameraRay[]): Triangulation | undefined {
  if (rays.length < 2) return undefined;
  const a = [0, 0, 0, 0, 0, 0, 0, 0, 0];
  const b = [0, 0, 0];
  for (const { origin: o, direction: d } of rays) {
    const dv = [d.x, d.y, d.z];
    const ov = [o.x, o.y, o.z];
    for (let r = 0; r < 3; r++)
      for (let c = 0; c < 3; c++) {
        const m = (r === c ? 1 : 0) - dv[r]! * dv[c]!;
        a[r * 3 + c]! += m;
        b[r]! += m * ov[c]!;
      }
  }
  const det =
    a[0]! * (a[4]! * a[8]! - a[5]! * a[7]!) -
    a[1]! * (a[3]! * a[8]! - a[5]! * a[6]!) +
    a[2]! * (a[3]! * a[7]! - a[4]! * a[6]!);
  if (Math.abs(det) < 1e-6) return undefined;
  const solveColumn = (col: number) => {
    const m = [...a];
    for (let r = 0; r < 3; r++) m[r * 3 + col] = b[r]!;
    return (
      (m[0]! * (m[4]! * m[8]! - m[5]! * m[7]!) -
        m[1]! * (m[3]! * m[8]! - m[5]! * m[6]!) +
        m[2]! * (m[3]! * m[7]! - m[4]! * m[6]!)) /
      det
    );
  };
  const pointCm = { x: solveColumn(0), y: solveColumn(1), z: solveColumn(2) };
  const spreadCm = Math.max(...rays.map((r) => distanceFromRay(r, pointCm)));
  return { pointCm, spreadCm };
}

export function distanceFromRay(ray: { origin: Vec3; direction: Vec3 }, point: Vec3): number {
  return length(cross(sub(point, ray.origin), ray.direction));
}

/**
 * The shelf level a room point belongs to: inside a unit's footprint (1 cm of slack, 3 cm at the
 * back for the back panel), on or above the board and below the next one.
 */
export function levelAt(layout: RoomLayout, point: Vec3): string | undefined {
  for (const unit of layout.units) {
    const frame = unitFrame(unit);
    const local = sub(point, frame.origin);
    const across = dot(local, frame.across);
    const back = dot(local, frame.back);
    if (across < -1 || across > unit.widthCm + 1 || back < -1 || back > unit.depthCm + 3) continue;
    for (let i = unit.levels.length - 1; i >= 0; i--) {
      const level = unit.levels[i]!;
      if (point.z >= level.heightCm - 1 && point.z <= level.heightCm + level.clearanceCm + 1)
        return levelIdOf(unit.id, i + 1);
    }
  }
  return undefined;
}
