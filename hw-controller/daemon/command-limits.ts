import type { RoomLayout } from '../../calibration/index.ts';
import { HwControllerError } from '../hw-errors.ts';
import type { ErrorCode, Request } from '../protocol/messages.ts';

/** What the daemon allows, from the room layout and its own flags. Anything outside is refused. */
export interface DaemonLimits {
  panRangeDeg: readonly [number, number];
  tiltRangeDeg: readonly [number, number];
  laserMaxOnMs: number;
  strobeMaxMs: number;
  doorMaxOpenMs: number;
  strobeZoneIds: readonly string[];
}

export interface LimitOverrides {
  /** Lower than the layout's `locator.maxOnMs`; the daemon never allows more than the layout. */
  laserMaxOnMs?: number | undefined;
  strobeMaxMs?: number | undefined;
  doorMaxOpenMs?: number | undefined;
}

export const defaultDoorMaxOpenMs = 15_000;

export function limitsFromLayout(layout: RoomLayout, overrides: LimitOverrides = {}): DaemonLimits {
  const locator = layout.locator;
  if (!locator)
    throw new HwControllerError(
      `layout ${layout.room.id} has no locator: the hw-controller has nothing to drive`,
    );
  if (overrides.laserMaxOnMs !== undefined && overrides.laserMaxOnMs > locator.maxOnMs) {
    throw new HwControllerError(
      `--laser-max-on-ms ${overrides.laserMaxOnMs} is more than the layout's locator.maxOnMs ${locator.maxOnMs}`,
    );
  }
  const laserMaxOnMs = overrides.laserMaxOnMs ?? locator.maxOnMs;
  return {
    panRangeDeg: locator.mount.panRangeDeg as [number, number],
    tiltRangeDeg: locator.mount.tiltRangeDeg as [number, number],
    laserMaxOnMs,
    strobeMaxMs: overrides.strobeMaxMs ?? laserMaxOnMs,
    doorMaxOpenMs: overrides.doorMaxOpenMs ?? defaultDoorMaxOpenMs,
    strobeZoneIds: layout.strobeZones.map((z) => z.id),
  };
}

export interface LimitViolation {
  code: ErrorCode;
  message: string;
}

const within = (value: number, [min, max]: readonly [number, number]) => value >= min && value <= max;

/** The first limit a well-formed request breaks, or undefined. */
export function checkLimits(request: Request, limits: DaemonLimits): LimitViolation | undefined {
  const outOfRange = (message: string): LimitViolation => ({ code: 'out_of_range', message });
  const angles = (panDeg: number, tiltDeg: number) => {
    if (!within(panDeg, limits.panRangeDeg))
      return outOfRange(`panDeg ${panDeg} is outside the mount's range ${limits.panRangeDeg.join(' to ')}°`);
    if (!within(tiltDeg, limits.tiltRangeDeg))
      return outOfRange(
        `tiltDeg ${tiltDeg} is outside the mount's range ${limits.tiltRangeDeg.join(' to ')}°`,
      );
    return undefined;
  };
  const laser = (maxOnMs: number, field: string) =>
    maxOnMs > limits.laserMaxOnMs
      ? outOfRange(`${field} ${maxOnMs} is more than the laser's maximum on-time ${limits.laserMaxOnMs} ms`)
      : undefined;
  const zone = (zoneId: string): LimitViolation | undefined =>
    limits.strobeZoneIds.includes(zoneId)
      ? undefined
      : {
          code: 'unknown_zone',
          message: `no strobe zone ${zoneId} in this room (zones: ${limits.strobeZoneIds.join(', ') || 'none'})`,
        };
  const strobe = (zoneId: string, durationMs: number, field: string) =>
    zone(zoneId) ??
    (durationMs > limits.strobeMaxMs
      ? outOfRange(`${field} ${durationMs} is more than the strobe's maximum ${limits.strobeMaxMs} ms`)
      : undefined);

  switch (request.type) {
    case 'aim':
      return angles(request.panDeg, request.tiltDeg);
    case 'laser-on':
      return laser(request.maxOnMs, 'maxOnMs');
    case 'strobe-on':
      return strobe(request.zoneId, request.durationMs, 'durationMs');
    case 'strobe-off':
      return zone(request.zoneId);
    case 'point':
      return (
        angles(request.panDeg, request.tiltDeg) ??
        laser(request.laserMaxOnMs, 'laserMaxOnMs') ??
        (request.strobe
          ? strobe(request.strobe.zoneId, request.strobe.durationMs, 'strobe.durationMs')
          : undefined)
      );
    case 'door-unlock':
      return request.durationMs > limits.doorMaxOpenMs
        ? outOfRange(
            `durationMs ${request.durationMs} is more than the door's maximum open time ${limits.doorMaxOpenMs} ms`,
          )
        : undefined;
    default:
      return undefined;
  }
}
