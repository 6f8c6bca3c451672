import { boundingBox, isSimplePolygon, type Point2, polygonArea, polygonsOverlap } from './geometry/index.ts';
import type { LayoutIssue } from './layout-issues.ts';
import type { RoomLayout } from './layout-schema.ts';
import { levelIdOf, listSlots, slotIdOf, unitFrame, unitPoint } from './room-model.ts';

type Report = (path: string, message: string, severity?: LayoutIssue['severity']) => void;

const cm = (v: number) => `${Math.round(v * 10) / 10} cm`;
const px = (v: number) => `${Math.round(v * 10) / 10}`;

/**
 * The rules a structurally valid layout must still satisfy: consistent ids, physically possible
 * shelving, and geometry that the pipelines can rely on. Every problem is reported, not only the first.
 */
export function checkLayout(layout: RoomLayout): LayoutIssue[] {
  const issues: LayoutIssue[] = [];
  const report: Report = (path, message, severity = 'error') => issues.push({ path, message, severity });

  checkUniqueIds(layout, report);
  checkShelving(layout, report);
  checkUnitsOnFloor(layout, report);
  checkCameras(layout, report);
  checkStrobeZones(layout, report);
  checkLocator(layout, report);
  return issues;
}

function checkUniqueIds(layout: RoomLayout, report: Report): void {
  const seen = (kind: string, list: Array<{ id: string }>, field: string) => {
    const first = new Map<string, number>();
    list.forEach((item, index) => {
      const earlier = first.get(item.id);
      if (earlier === undefined) first.set(item.id, index);
      else report(`${field}[${index}].id`, `duplicate ${kind} id ${item.id} (also ${field}[${earlier}])`);
    });
  };
  seen('unit', layout.units, 'units');
  seen('camera', layout.cameras, 'cameras');
  seen('strobe zone', layout.strobeZones, 'strobeZones');
}

function checkShelving(layout: RoomLayout, report: Report): void {
  layout.units.forEach((unit, u) => {
    unit.levels.forEach((level, l) => {
      const levelId = levelIdOf(unit.id, l + 1);
      const path = `units[${u}].levels[${l}]`;
      const next = unit.levels[l + 1];
      if (next) {
        const top = level.heightCm + level.clearanceCm;
        if (next.heightCm <= level.heightCm) {
          report(
            `units[${u}].levels[${l + 1}].heightCm`,
            `level ${levelIdOf(unit.id, l + 2)} at ${cm(next.heightCm)} must be higher than level ${levelId} at ${cm(level.heightCm)}; list levels from the floor up`,
          );
        } else if (next.heightCm < top) {
          report(
            `units[${u}].levels[${l + 1}].heightCm`,
            `board of level ${levelIdOf(unit.id, l + 2)} at ${cm(next.heightCm)} cuts into the free space of level ${levelId} (${cm(level.heightCm)} + ${cm(level.clearanceCm)} = ${cm(top)})`,
          );
        }
      }
      if (level.heightCm + level.clearanceCm > layout.room.sizeCm.z) {
        report(
          `${path}.clearanceCm`,
          `level ${levelId} reaches ${cm(level.heightCm + level.clearanceCm)}, above the ${cm(layout.room.sizeCm.z)} ceiling`,
        );
      }
      level.slots.forEach((slot, s) => {
        const end = slot.offsetCm + slot.widthCm;
        if (end > unit.widthCm + 1e-9) {
          report(
            `${path}.slots[${s}]`,
            `slot ${slotIdOf(unit.id, l + 1, s + 1)} ends at ${cm(end)}, beyond the unit's width of ${cm(unit.widthCm)}`,
          );
        }
        const previous = level.slots[s - 1];
        if (!previous) return;
        const prevId = slotIdOf(unit.id, l + 1, s);
        const id = slotIdOf(unit.id, l + 1, s + 1);
        if (slot.offsetCm < previous.offsetCm) {
          report(
            `${path}.slots`,
            `slots must be listed left to right: ${id} starts at ${cm(slot.offsetCm)}, left of ${prevId} at ${cm(previous.offsetCm)}`,
          );
        } else if (slot.offsetCm < previous.offsetCm + previous.widthCm - 1e-9) {
          report(
            `${path}.slots`,
            `overlapping slots ${prevId} and ${id} (${prevId} ends at ${cm(previous.offsetCm + previous.widthCm)}, ${id} starts at ${cm(slot.offsetCm)})`,
          );
        }
      });
    });
  });
}

function footprint(layout: RoomLayout, index: number): Point2[] {
  const unit = layout.units[index]!;
  const frame = unitFrame(unit);
  return [
    unitPoint(frame, 0, 0, 0),
    unitPoint(frame, unit.widthCm, 0, 0),
    unitPoint(frame, unit.widthCm, unit.depthCm, 0),
    unitPoint(frame, 0, unit.depthCm, 0),
  ].map((p) => [p.x, p.y] as const);
}

function checkUnitsOnFloor(layout: RoomLayout, report: Report): void {
  const { x: roomX, y: roomY } = layout.room.sizeCm;
  const prints = layout.units.map((_, i) => footprint(layout, i));
  prints.forEach((print, i) => {
    const box = boundingBox(print);
    if (box.minX < -1e-6 || box.minY < -1e-6 || box.maxX > roomX + 1e-6 || box.maxY > roomY + 1e-6) {
      report(
        `units[${i}].positionCm`,
        `unit ${layout.units[i]!.id} stands partly outside the ${cm(roomX)} × ${cm(roomY)} room`,
      );
    }
    for (let j = 0; j < i; j++) {
      if (polygonsOverlap(prints[j]!, print)) {
        report(
          `units[${i}].positionCm`,
          `unit ${layout.units[i]!.id} overlaps unit ${layout.units[j]!.id} on the floor`,
        );
      }
    }
  });
}

function insideRoom(layout: RoomLayout, p: { x: number; y: number; z: number }): boolean {
  const s = layout.room.sizeCm;
  return p.x >= 0 && p.y >= 0 && p.z >= 0 && p.x <= s.x && p.y <= s.y && p.z <= s.z;
}

function checkCameras(layout: RoomLayout, report: Report): void {
  const slots = listSlots(layout);
  const slotIds = new Set(slots.map((s) => s.id));
  const levelIds = new Set(layout.units.flatMap((u) => u.levels.map((_, l) => levelIdOf(u.id, l + 1))));
  const seenBy = new Set<string>();

  layout.cameras.forEach((camera, c) => {
    const { width, height } = camera.resolution;
    if (camera.pose) {
      if (!insideRoom(layout, camera.pose.positionCm))
        report(`cameras[${c}].pose.positionCm`, `camera ${camera.id} is outside the room`);
      const { positionCm: a, lookAtCm: b } = camera.pose;
      const dx = b.x - a.x;
      const dy = b.y - a.y;
      if (Math.hypot(dx, dy) < 1e-6)
        report(
          `cameras[${c}].pose.lookAtCm`,
          'a camera must not look straight up or down (lookAt directly above or below its position)',
        );
    }
    const polygons: Array<[string, Point2[]]> = [];
    for (const [slotId, points] of Object.entries(camera.slots)) {
      const path = `cameras[${c}].slots.${slotId}`;
      if (!slotIds.has(slotId)) {
        report(path, `no slot ${slotId} in this layout`);
        continue;
      }
      const polygon = points as Point2[];
      let valid = true;
      for (const [x, y] of polygon) {
        if (x < 0 || y < 0 || x > width || y > height) {
          report(path, `polygon point (${px(x)}, ${px(y)}) is outside the ${width}×${height} image`);
          valid = false;
        }
      }
      if (!isSimplePolygon(polygon)) {
        report(path, 'polygon edges cross each other; list the points in order around the slot');
        valid = false;
      } else if (polygonArea(polygon) < 1) {
        report(path, 'polygon has no area (its points are collinear or repeated)');
        valid = false;
      }
      if (valid) {
        seenBy.add(slotId);
        polygons.push([slotId, polygon]);
      }
    }
    // Slot cells of one camera partition what it sees; an overlap makes slot assignment ambiguous.
    for (let i = 0; i < polygons.length; i++) {
      for (let j = 0; j < i; j++) {
        if (polygonsOverlap(polygons[j]![1], polygons[i]![1])) {
          report(
            `cameras[${c}].slots.${polygons[i]![0]}`,
            `polygon overlaps the polygon of slot ${polygons[j]![0]} in this camera`,
          );
        }
      }
    }
    for (const levelId of Object.keys(camera.levelHomographies ?? {})) {
      if (!levelIds.has(levelId))
        report(`cameras[${c}].levelHomographies.${levelId}`, `no level ${levelId} in this layout`);
    }
  });

  for (const slot of slots) {
    if (seenBy.has(slot.id)) continue;
    const u = layout.units.findIndex((unit) => unit.id === slot.unitId);
    report(
      `units[${u}].levels[${slot.levelNumber - 1}].slots[${slot.slotIndex - 1}]`,
      `slot ${slot.id} is seen by no camera; give it a polygon in at least one camera`,
    );
  }
}

function checkStrobeZones(layout: RoomLayout, report: Report): void {
  const unitIds = new Set(layout.units.map((u) => u.id));
  const lit = new Set<string>();
  layout.strobeZones.forEach((zone, z) => {
    if (!insideRoom(layout, zone.positionCm))
      report(`strobeZones[${z}].positionCm`, `strobe zone ${zone.id} is outside the room`);
    zone.units.forEach((unitId, i) => {
      if (!unitIds.has(unitId)) report(`strobeZones[${z}].units[${i}]`, `no unit ${unitId} in this layout`);
      lit.add(unitId);
    });
  });
  layout.units.forEach((unit, u) => {
    if (!lit.has(unit.id)) {
      report(
        `units[${u}]`,
        `unit ${unit.id} is in no strobe zone, so pickups from it get no strobe`,
        'warning',
      );
    }
  });
}

function checkLocator(layout: RoomLayout, report: Report): void {
  const locator = layout.locator;
  if (!locator) {
    report('locator', 'no locator: pickups will not be pointed at with the laser', 'warning');
    return;
  }
  if (!insideRoom(layout, locator.mount.positionCm))
    report('locator.mount.positionCm', `locator ${locator.id} is outside the room`);
  const calibration = locator.calibration;
  if (!calibration) return;
  const slotIds = new Set(listSlots(layout).map((s) => s.id));
  const [panMin, panMax] = locator.mount.panRangeDeg;
  const [tiltMin, tiltMax] = locator.mount.tiltRangeDeg;
  for (const [slotId, target] of Object.entries(calibration.slotTargets)) {
    const path = `locator.calibration.slotTargets.${slotId}`;
    if (!slotIds.has(slotId)) report(path, `no slot ${slotId} in this layout`);
    if (target.panDeg < panMin || target.panDeg > panMax) {
      report(`${path}.panDeg`, `${target.panDeg}° is outside the mount's pan range [${panMin}, ${panMax}]`);
    }
    if (target.tiltDeg < tiltMin || target.tiltDeg > tiltMax) {
      report(
        `${path}.tiltDeg`,
        `${target.tiltDeg}° is outside the mount's tilt range [${tiltMin}, ${tiltMax}]`,
      );
    }
  }
}
