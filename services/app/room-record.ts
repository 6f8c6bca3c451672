import { listSlots, type RoomLayout } from '../../calibration/index.ts';
import type { RoomRecord } from '../store/index.ts';

/** The layout flattened into the rows the store keeps. */
export function roomRecordFromLayout(layout: RoomLayout): RoomRecord {
  return {
    id: layout.room.id,
    name: layout.room.name,
    layout,
    units: layout.units.map((unit) => ({
      id: unit.id,
      widthCm: unit.widthCm,
      depthCm: unit.depthCm,
      position: { ...unit.positionCm, rotationDeg: unit.rotationDeg },
      levels: unit.levels.map((level, index) => ({
        number: index + 1,
        heightCm: level.heightCm,
        clearanceCm: level.clearanceCm,
      })),
    })),
    slots: listSlots(layout).map((slot) => ({
      id: slot.id,
      unitId: slot.unitId,
      levelNumber: slot.levelNumber,
      slotIndex: slot.slotIndex,
      offsetCm: slot.offsetCm,
      widthCm: slot.widthCm,
      depthCm: slot.depthCm,
      heightCm: slot.heightCm,
    })),
    cameras: layout.cameras.map((camera) => ({
      id: camera.id,
      name: camera.name,
      widthPx: camera.resolution.width,
      heightPx: camera.resolution.height,
      view: { slotIds: Object.keys(camera.slots), slots: camera.slots, pose: camera.pose ?? null },
    })),
  };
}
