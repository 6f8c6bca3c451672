import { buildRoomModel, layoutSchema, type RoomLayout, type Slot } from '../../calibration/index.ts';

export interface ShelfLocation {
  slotId: string;
  unitId: string;
  unitName: string;
  levelNumber: number;
  levelsInUnit: number;
  slotIndex: number;
  slotsOnLevel: number;
  /** "Shelf B, level 3 (from the floor), second from the left". */
  words: string;
}

const ordinals = [
  'first',
  'second',
  'third',
  'fourth',
  'fifth',
  'sixth',
  'seventh',
  'eighth',
  'ninth',
  'tenth',
];

function ordinal(n: number): string {
  if (n >= 1 && n <= ordinals.length) return ordinals[n - 1]!;
  const tens = n % 100;
  const suffix = tens >= 11 && tens <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${suffix}`;
}

export class UnknownSlotError extends Error {
  override readonly name = 'UnknownSlotError';
}

/** The layout kept in `rooms.layout`, parsed again: the database is another process's word. */
export function roomLayoutFromRecord(layout: unknown, roomId: string): RoomLayout {
  const parsed = layoutSchema.safeParse(layout);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new UnknownSlotError(
      `room ${roomId}: the stored layout is not valid at ${issue.path.join('.') || 'its root'}: ${issue.message}`,
    );
  }
  return parsed.data;
}

/** Where a slot is, in the words a resident standing at the door would use. */
export function describeShelfLocation(layout: RoomLayout, slotId: string): ShelfLocation {
  const model = buildRoomModel(layout);
  const slot: Slot | undefined = model.slotById.get(slotId);
  if (!slot) throw new UnknownSlotError(`slot ${slotId} is not in room ${layout.room.id}`);
  const unit = layout.units.find((u) => u.id === slot.unitId)!;
  const slotsOnLevel = unit.levels[slot.levelNumber - 1]!.slots.length;
  // Counting from the nearer end: "first from the right" is easier to find than "fourth from the left".
  const fromRight = slotsOnLevel - slot.slotIndex + 1;
  const place =
    slotsOnLevel === 1
      ? 'the only spot'
      : slot.slotIndex <= fromRight
        ? `${ordinal(slot.slotIndex)} from the left`
        : `${ordinal(fromRight)} from the right`;
  return {
    slotId,
    unitId: unit.id,
    unitName: unit.name ?? `Unit ${unit.id}`,
    levelNumber: slot.levelNumber,
    levelsInUnit: unit.levels.length,
    slotIndex: slot.slotIndex,
    slotsOnLevel,
    words: `Shelf ${unit.id}, level ${slot.levelNumber} (from the floor), ${place}`,
  };
}
