import { add, scale, type Vec3 } from './geometry/index.ts';
import type { RoomLayout, ShelvingUnit } from './layout-schema.ts';

/** One slot with everything derived from the layout: id, place in the unit, size and corners. */
export interface Slot {
  id: string;
  unitId: string;
  levelNumber: number;
  /** 1 = leftmost, seen from the front of the unit. */
  slotIndex: number;
  offsetCm: number;
  widthCm: number;
  depthCm: number;
  heightCm: number;
  /** Height of the board the slot sits on, cm above the floor. */
  boardHeightCm: number;
  /** Front face, a vertical rectangle at the board's front edge: bottom-left, bottom-right, top-right, top-left. */
  frontFace: [Vec3, Vec3, Vec3, Vec3];
  /** Board area of the slot: front-left, front-right, back-right, back-left, at board height. */
  floor: [Vec3, Vec3, Vec3, Vec3];
  /** Centre of the slot's front face, where a locator aims. */
  aimPoint: Vec3;
}

export interface UnitFrame {
  /** Front-left corner on the floor. */
  origin: Vec3;
  /** Along the front, left to right as seen from the front. */
  across: Vec3;
  /** From the front towards the back. */
  back: Vec3;
}

/**
 * Unit axes in room coordinates. At rotation 0 the unit's front faces −y (towards the door),
 * `across` is +x and `back` is +y; rotation turns the unit counter-clockwise seen from above.
 */
export function unitFrame(unit: ShelvingUnit): UnitFrame {
  const radians = (unit.rotationDeg * Math.PI) / 180;
  return {
    origin: { x: unit.positionCm.x, y: unit.positionCm.y, z: 0 },
    across: { x: Math.cos(radians), y: Math.sin(radians), z: 0 },
    back: { x: -Math.sin(radians), y: Math.cos(radians), z: 0 },
  };
}

/** A point given in a unit's own coordinates (across, back, up; cm) in room coordinates. */
export function unitPoint(frame: UnitFrame, acrossCm: number, backCm: number, upCm: number): Vec3 {
  return add(add(add(frame.origin, scale(frame.across, acrossCm)), scale(frame.back, backCm)), {
    x: 0,
    y: 0,
    z: upCm,
  });
}

export const slotIdOf = (unitId: string, levelNumber: number, slotIndex: number) =>
  `${unitId}${levelNumber}-${slotIndex}`;
export const levelIdOf = (unitId: string, levelNumber: number) => `${unitId}${levelNumber}`;

/** Every slot of the room in unit, level, left-to-right order. */
export function listSlots(layout: RoomLayout): Slot[] {
  const slots: Slot[] = [];
  for (const unit of layout.units) {
    const frame = unitFrame(unit);
    unit.levels.forEach((level, levelIndex) => {
      level.slots.forEach((spec, slotIndex) => {
        const left = spec.offsetCm;
        const right = spec.offsetCm + spec.widthCm;
        const bottom = level.heightCm;
        const top = level.heightCm + level.clearanceCm;
        slots.push({
          id: slotIdOf(unit.id, levelIndex + 1, slotIndex + 1),
          unitId: unit.id,
          levelNumber: levelIndex + 1,
          slotIndex: slotIndex + 1,
          offsetCm: spec.offsetCm,
          widthCm: spec.widthCm,
          depthCm: unit.depthCm,
          heightCm: level.clearanceCm,
          boardHeightCm: level.heightCm,
          frontFace: [
            unitPoint(frame, left, 0, bottom),
            unitPoint(frame, right, 0, bottom),
            unitPoint(frame, right, 0, top),
            unitPoint(frame, left, 0, top),
          ],
          floor: [
            unitPoint(frame, left, 0, bottom),
            unitPoint(frame, right, 0, bottom),
            unitPoint(frame, right, unit.depthCm, bottom),
            unitPoint(frame, left, unit.depthCm, bottom),
          ],
          aimPoint: unitPoint(
            frame,
            (left + right) / 2,
            unit.depthCm / 3,
            bottom + Math.min(level.clearanceCm / 3, 10),
          ),
        });
      });
    });
  }
  return slots;
}

/** Lookups over a validated layout. */
export interface RoomModel {
  layout: RoomLayout;
  slots: Slot[];
  slotById: ReadonlyMap<string, Slot>;
}

export function buildRoomModel(layout: RoomLayout): RoomModel {
  const slots = listSlots(layout);
  return { layout, slots, slotById: new Map(slots.map((s) => [s.id, s])) };
}
