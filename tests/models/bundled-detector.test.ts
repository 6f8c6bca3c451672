import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { listSlots, loadLayoutFile, type RoomLayout } from '../../calibration/index.ts';
import { createPackageDetector, iou, type PackageDetector } from '../../models/index.ts';
import { createRoomRenderer, emptyScene, randomAppearance, seededRandom } from '../../simulator/index.ts';

describe('the bundled package detector', () => {
  let layout: RoomLayout;
  let detector: PackageDetector;
  before(async () => {
    layout = await loadLayoutFile('calibration/rooms/demo-room.yaml');
    detector = await createPackageDetector();
  });

  test('is a standard export with its class names and input size in the model', () => {
    assert.deepEqual(detector.classNames, ['package', 'person']);
    assert.equal(detector.inputWidth, 512);
    assert.equal(detector.inputHeight, 288);
  });

  test('finds the packages and the person in a rendered frame, and nothing on empty shelves', async () => {
    const renderer = createRoomRenderer(layout, { seed: 4242 });
    const random = seededRandom(77);
    const slots = listSlots(layout).filter((s) =>
      ['A2-2', 'A4-3', 'B1-1', 'B3-4', 'C2-2', 'C5-1'].includes(s.id),
    );
    const scene = {
      ...emptyScene(),
      packages: slots.map((slot, i) => ({
        id: `p${i}`,
        appearance: randomAppearance(random, i % 2 ? 'poly-mailer' : 'box', {
          across: 24,
          depth: 30,
          height: 24,
        }),
        pose: {
          unitId: slot.unitId,
          levelNumber: slot.levelNumber,
          acrossCm: slot.offsetCm + slot.widthCm / 2,
          backCm: 3,
          yawDeg: 5,
          leanDeg: 0,
        },
      })),
      people: [{ id: 'courier', standingAtCm: { x: 200, y: 380 }, clothing: '#34495e' }],
    };
    const { frame, jpeg } = await renderer.renderJpeg('cam-2', scene, 1);
    const { detections } = await detector.detect(jpeg);
    const packages = detections.filter((d) => d.className === 'package');
    const clear = frame.boxes.filter((b) => b.visibleFraction > 0.6);
    assert.ok(clear.length >= 5, 'the scene shows most packages clearly');
    const found = clear.filter((truth) => packages.some((d) => iou(d, truth) >= 0.5));
    assert.ok(found.length >= clear.length - 1, `found ${found.length} of ${clear.length} clear packages`);
    const person = frame.people[0]!;
    assert.ok(
      detections.some((d) => d.className === 'person' && iou(d, person) >= 0.5),
      'the person is found',
    );

    const empty = await renderer.renderJpeg('cam-2', emptyScene(), 2);
    const onEmpty = (await detector.detect(empty.jpeg, { scoreThreshold: 0.5 })).detections;
    assert.equal(onEmpty.length, 0, `false detections on empty shelves: ${JSON.stringify(onEmpty)}`);
  });
});
