import type { Vec3 } from './vector.ts';

/**
 * The locator's angle convention. Pan turns about the vertical axis: 0° points along +y (from the
 * door towards the back wall), positive pans towards +x (right, seen from the door). Tilt is the
 * elevation: 0° is horizontal, positive is up.
 */
export function laserDirection(panDeg: number, tiltDeg: number): Vec3 {
  const pan = (panDeg * Math.PI) / 180;
  const tilt = (tiltDeg * Math.PI) / 180;
  return { x: Math.sin(pan) * Math.cos(tilt), y: Math.cos(pan) * Math.cos(tilt), z: Math.sin(tilt) };
}

/** The pan and tilt that point a laser at `mount` towards `target` (ideal, uncalibrated mount). */
export function aimAngles(mount: Vec3, target: Vec3): { panDeg: number; tiltDeg: number } {
  const dx = target.x - mount.x;
  const dy = target.y - mount.y;
  const dz = target.z - mount.z;
  return {
    panDeg: (Math.atan2(dx, dy) * 180) / Math.PI,
    tiltDeg: (Math.atan2(dz, Math.hypot(dx, dy)) * 180) / Math.PI,
  };
}
