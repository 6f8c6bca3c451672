import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { loadLayoutFile, type RoomLayout } from '../../calibration/index.ts';
import {
  compileScenario,
  createRoomRenderer,
  listBundledScenarios,
  loadScenarioFile,
} from '../../simulator/index.ts';
import { changedShare } from '../support/frame-diff.ts';

/**
 * Every frame of every bundled scenario, at the streams' 10 fps, from every camera: each truth box
 * must lie on rendered package pixels, i.e. differ from the same moment rendered without packages.
 * Rendered at 480×270 (same field of view) to keep the suite quick; the boxes scale with the size.
 */
const fps = 10;
const size = { width: 480, height: 270 };

describe('ground truth of every scenario frame', () => {
  let layout: RoomLayout;
  before(async () => {
    layout = await loadLayoutFile('calibration/rooms/demo-room.yaml');
  });

  test('truth boxes lie on the rendered packages in every frame of every scenario', async () => {
    const scenarios = await listBundledScenarios();
    assert.ok(scenarios.length >= 12, 'the bundled scenarios are found');
    let frames = 0;
    let boxes = 0;
    for (const { name, file } of scenarios) {
      const timeline = compileScenario(await loadScenarioFile(file), layout, file);
      const seed = timeline.scenario.seed;
      // Two renderers, so each keeps its own cache of the drawn scene.
      const withPackages = createRoomRenderer(layout, { seed, size });
      const withoutPackages = createRoomRenderer(layout, { seed, size });
      const last = Math.floor((timeline.durationMs / 1000) * fps);
      for (let index = 0; index <= last; index++) {
        const scene = timeline.sceneAt((index * 1000) / fps);
        for (const cameraId of withPackages.cameraIds) {
          if (scene.camerasOffline.includes(cameraId)) continue;
          const frame = withPackages.render(cameraId, scene, index);
          const empty = withoutPackages.render(cameraId, { ...scene, packages: [] }, index);
          frames++;
          const ids = new Set(scene.packages.map((p) => p.id));
          for (const box of frame.boxes) {
            const where = `${name} ${cameraId} frame ${index} package ${box.packageId}`;
            assert.ok(ids.has(box.packageId), `${where}: a box for a package not in the scene`);
            assert.ok(
              box.x >= 0 &&
                box.y >= 0 &&
                box.x + box.width <= size.width &&
                box.y + box.height <= size.height,
              `${where}: box outside the picture`,
            );
            if (box.visibleFraction < 0.25 || box.width * box.height < 12) continue;
            const share = changedShare(frame, empty, box);
            // A package partly behind a person shows as an L or a sliver: less of its box is it.
            const behindPerson = frame.people.some(
              (p) =>
                p.x < box.x + box.width &&
                box.x < p.x + p.width &&
                p.y < box.y + box.height &&
                box.y < p.y + p.height,
            );
            const needed = behindPerson ? 0.15 : 0.35;
            assert.ok(share >= needed, `${where}: only ${(share * 100).toFixed(0)} % of its box shows it`);
            boxes++;
          }
        }
      }
    }
    // 290 s of scenarios × 10 fps × 3 cameras, less the offline stretches.
    assert.ok(frames > 8000, `${frames} frames checked`);
    assert.ok(boxes > 10_000, `${boxes} boxes checked`);
  });
});
