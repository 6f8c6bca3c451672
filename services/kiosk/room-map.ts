import { buildRoomModel, type RoomLayout } from '../../calibration/index.ts';
import type { RoomMap } from './kiosk-protocol.ts';

/** The map the kiosk draws: the layout's units, levels and slots, with some slots highlighted. */
export function roomMapOf(layout: RoomLayout): (highlightSlotIds: readonly string[]) => RoomMap {
  const model = buildRoomModel(layout);
  const units = layout.units.map((unit) => ({
    id: unit.id,
    name: unit.name ?? `Unit ${unit.id}`,
    positionCm: { x: unit.positionCm.x, y: unit.positionCm.y },
    rotationDeg: unit.rotationDeg ?? 0,
    widthCm: unit.widthCm,
    depthCm: unit.depthCm,
    levels: unit.levels.map((level, i) => ({
      number: i + 1,
      heightCm: level.heightCm,
      clearanceCm: level.clearanceCm,
      slots: model.slots
        .filter((s) => s.unitId === unit.id && s.levelNumber === i + 1)
        .sort((a, b) => a.slotIndex - b.slotIndex)
        .map((s) => ({ id: s.id, offsetCm: s.offsetCm, widthCm: s.widthCm })),
    })),
  }));
  const base = {
    roomId: layout.room.id,
    name: layout.room.name ?? layout.room.id,
    sizeCm: { ...layout.room.sizeCm },
    units,
  };
  return (highlightSlotIds) => ({ ...base, highlightSlotIds: [...highlightSlotIds] });
}
