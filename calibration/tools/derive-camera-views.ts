import { computeHomography, createPinholeCamera, type Point2 } from '../geometry/index.ts';
import type { CameraView, RoomLayout } from '../layout-schema.ts';
import { levelIdOf, listSlots, unitFrame, unitPoint } from '../room-model.ts';

const round = (value: number, digits: number) => Number(value.toFixed(digits));

/**
 * Recomputes every posed camera's slot polygons and level homographies from its pose.
 *
 * A slot's polygon is the projection of its front face: the vertical rectangle at the board's
 * front edge, the slot's width across, from the board up to the next board. These cells tile the
 * front of a unit without overlapping, and a package resting on the board has its bottom edge
 * inside its own slot's cell, which is what slot assignment looks at. A camera lists a slot only
 * when the whole face is in front of it and inside its image. Occlusion by other units is not
 * modelled: keep units out of each other's line of sight to a camera.
 *
 * A level's homography maps the level's front plane, in cm (x across from the unit's left edge,
 * y up from the board), to image pixels.
 */
export function deriveCameraViews(layout: RoomLayout): CameraView[] {
  const slots = listSlots(layout);
  return layout.cameras.map((camera) => {
    if (!camera.pose) return camera;
    const pinhole = createPinholeCamera(camera.pose, camera.resolution);
    const inImage = (p: { x: number; y: number } | undefined): p is { x: number; y: number } =>
      p !== undefined &&
      p.x >= 0 &&
      p.y >= 0 &&
      p.x <= camera.resolution.width &&
      p.y <= camera.resolution.height;

    const polygons: Record<string, Array<[number, number]>> = {};
    for (const slot of slots) {
      const projected = slot.frontFace.map((corner) => pinhole.project(corner));
      if (!projected.every(inImage)) continue;
      polygons[slot.id] = projected.map((p) => [round(p!.x, 1), round(p!.y, 1)]);
    }

    const homographies: Record<string, number[]> = {};
    for (const unit of layout.units) {
      const frame = unitFrame(unit);
      unit.levels.forEach((level, index) => {
        const plane: Point2[] = [
          [0, 0],
          [unit.widthCm, 0],
          [unit.widthCm, level.clearanceCm],
          [0, level.clearanceCm],
        ];
        const image = plane.map(([across, up]) =>
          pinhole.project(unitPoint(frame, across, 0, level.heightCm + up)),
        );
        if (!image.every(inImage)) return;
        const h = computeHomography(
          plane,
          image.map((p) => [p!.x, p!.y] as const),
        );
        homographies[levelIdOf(unit.id, index + 1)] = h.map((v) => Number(v.toPrecision(9)));
      });
    }
    const { slots: _old, levelHomographies: _oldH, ...rest } = camera;
    return { ...rest, slots: polygons, levelHomographies: homographies };
  });
}
