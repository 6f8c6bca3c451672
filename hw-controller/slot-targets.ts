import { aimAngles, listSlots, type RoomLayout } from '../calibration/index.ts';
import { HwControllerError } from './hw-errors.ts';
import type { LocatorTarget } from './locator-client.ts';

/**
 * The locator target for a slot: the calibrated pan/tilt when the layout has them
 * (`locator.calibration.slotTargets`), else the ideal angles from the mount to the slot's aim
 * point; the strobe zone that lights the slot's unit; the layout's laser on-time.
 */
export function slotTarget(layout: RoomLayout, slotId: string): LocatorTarget {
  const locator = layout.locator;
  if (!locator) throw new HwControllerError(`layout ${layout.room.id} has no locator`);
  const slot = listSlots(layout).find((s) => s.id === slotId);
  if (!slot) throw new HwControllerError(`layout ${layout.room.id} has no slot ${slotId}`);
  const angles =
    locator.calibration?.slotTargets[slotId] ?? aimAngles(locator.mount.positionCm, slot.aimPoint);
  const zone = layout.strobeZones.find((z) => z.units.includes(slot.unitId));
  return {
    panDeg: angles.panDeg,
    tiltDeg: angles.tiltDeg,
    ...(zone ? { strobeZoneId: zone.id } : {}),
    laserMaxOnMs: locator.maxOnMs,
  };
}
