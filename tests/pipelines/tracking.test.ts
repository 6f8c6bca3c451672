import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { DetectorResult, PackageDetector } from '../../models/index.ts';
import { DetectionScheduler } from '../../pipelines/detection/index.ts';
import { RoomFusion } from '../../pipelines/observations/index.ts';
import {
  assignSlot,
  type CameraObservation,
  SlotTracker,
  type SlotView,
} from '../../pipelines/tracking/index.ts';

// Two slots side by side on a level, one above: image rectangles, as a camera facing them sees.
const square = (x: number, y: number, w: number, h: number): Array<[number, number]> => [
  [x, y + h],
  [x + w, y + h],
  [x + w, y],
  [x, y],
];
const slots: SlotView[] = [
  { id: 'B3-1', polygon: square(100, 300, 100, 100) },
  { id: 'B3-2', polygon: square(200, 300, 100, 100) },
  { id: 'B4-1', polygon: square(100, 190, 100, 100) },
];

describe('slot assignment', () => {
  test('the resting footprint decides the slot, not the top of the box', () => {
    // A tall package in B3-1 whose top reaches into B4-1's picture.
    const tall = assignSlot({ x: 120, y: 250, width: 60, height: 140 }, slots);
    assert.deepEqual(tall, { primary: 'B3-1', slots: ['B3-1'], confidence: 1 });
  });

  test('a package across two slots names both, with lowered confidence', () => {
    const across = assignSlot({ x: 150, y: 340, width: 100, height: 50 }, slots)!;
    assert.deepEqual(across.slots.sort(), ['B3-1', 'B3-2']);
    assert.ok(across.confidence < 1);
    // Mostly in B3-2 with a corner over the line: B3-2 only.
    assert.deepEqual(assignSlot({ x: 190, y: 340, width: 100, height: 50 }, slots)!.slots, ['B3-2']);
  });

  test('just outside every polygon takes the nearest; far away is on no slot', () => {
    const near = assignSlot({ x: 120, y: 300, width: 60, height: 106 }, slots)!;
    assert.equal(near.primary, 'B3-1');
    assert.ok(near.confidence > 0 && near.confidence < 1);
    assert.equal(assignSlot({ x: 600, y: 600, width: 40, height: 40 }, slots), undefined);
  });
});

describe('slot tracker', () => {
  const box = (x: number, score = 0.9) => ({ x, y: 330, width: 60, height: 60, score });

  test('new detections appear, matched ones stay, missing ones vanish; unexamined slots are left alone', () => {
    const tracker = new SlotTracker('cam-1', slots);
    const first = tracker.update([box(120), box(220)], [], new Set(['B3-1', 'B3-2']), 1000);
    assert.deepEqual(
      first.observations.map((o) => [o.kind, o.slotId]),
      [
        ['appeared', 'B3-1'],
        ['appeared', 'B3-2'],
      ],
    );
    // Same packages, slightly shifted boxes: nothing new.
    assert.deepEqual(
      tracker.update([box(122), box(218)], [], new Set(['B3-1', 'B3-2']), 2000).observations,
      [],
    );
    // B3-1 emptied, but only B3-2 was examined: no verdict on B3-1 yet.
    assert.deepEqual(tracker.update([box(218)], [], new Set(['B3-2']), 3000).observations, []);
    const gone = tracker.update([box(218)], [], new Set(['B3-1', 'B3-2']), 4000);
    assert.deepEqual(
      gone.observations.map((o) => [o.kind, o.slotId, o.timeMs]),
      [['vanished', 'B3-1', 4000]],
    );
    assert.equal(tracker.current.length, 1);
  });

  test('weak detections are not objects; a person in front holds the slot', () => {
    const tracker = new SlotTracker('cam-1', slots, { minScore: 0.5 });
    assert.deepEqual(tracker.update([box(120, 0.3)], [], new Set(['B3-1']), 0).observations, []);
    const person = { x: 90, y: 100, width: 120, height: 400 };
    const blocked = tracker.update([box(120)], [person], new Set(['B3-1', 'B3-2']), 1000);
    assert.deepEqual(blocked.held, ['B3-1']);
    assert.deepEqual(blocked.observations, []);
  });
});

describe('room fusion', () => {
  const seen = (
    kind: 'appeared' | 'vanished',
    cameraId: string,
    slotId: string,
    timeMs: number,
  ): CameraObservation => ({
    kind,
    cameraId,
    objectId: `${cameraId}#1`,
    slotId,
    slots: [slotId],
    box: { x: 0, y: 0, width: 10, height: 10 },
    confidence: 0.9,
    timeMs,
  });

  test('two cameras seeing one placement make one observation; it vanishes when no camera sees it', () => {
    const fusion = new RoomFusion();
    const first = fusion.add(seen('appeared', 'cam-1', 'B3-2', 1000));
    assert.equal(first?.kind, 'appeared');
    assert.equal(fusion.add(seen('appeared', 'cam-2', 'B3-2', 1200)), undefined);
    assert.deepEqual(first!.alsoSeenBy, ['cam-2']);
    assert.equal(fusion.add(seen('vanished', 'cam-1', 'B3-2', 5000)), undefined, 'cam-2 still sees it');
    assert.equal(fusion.add(seen('vanished', 'cam-2', 'B3-2', 5100))?.kind, 'vanished');
  });

  test('a second package in an occupied slot is a second appearance', () => {
    const fusion = new RoomFusion();
    fusion.add(seen('appeared', 'cam-1', 'A1-1', 0));
    assert.equal(fusion.add(seen('appeared', 'cam-1', 'A1-1', 3000))?.kind, 'appeared');
    assert.equal(fusion.roomCount('A1-1'), 2);
  });
});

describe('detection scheduler', () => {
  function fakeDetector() {
    const calls: string[] = [];
    let release: (() => void) | undefined;
    const detector = {
      modelPath: 'fake',
      classNames: ['package', 'person'],
      inputWidth: 64,
      inputHeight: 32,
      async detect(image: Buffer): Promise<DetectorResult> {
        calls.push(image.toString());
        await new Promise<void>((resolve) => {
          release = resolve;
        });
        return {
          detections: [],
          timings: { preprocessMs: 0, inferenceMs: 0, decodeMs: 0 },
          width: 64,
          height: 32,
        };
      },
      close: async () => {},
    } as unknown as PackageDetector;
    return { detector, calls, next: () => release?.() };
  }
  const tick = () => new Promise((resolve) => setImmediate(resolve));

  test('newest frame wins per camera, slots merge, and cameras take turns', async () => {
    const { detector, calls, next } = fakeDetector();
    const scheduler = new DetectionScheduler(detector);
    const a1 = scheduler.request({
      cameraId: 'a',
      image: Buffer.from('a1'),
      slots: new Set(['X']),
      timeMs: 0,
    });
    await tick(); // a1 is running
    // b starts waiting before a's next frames: a busy camera cannot jump ahead of a waiting one.
    const b1 = scheduler.request({
      cameraId: 'b',
      image: Buffer.from('b1'),
      slots: new Set(['Z']),
      timeMs: 1,
    });
    const a2 = scheduler.request({
      cameraId: 'a',
      image: Buffer.from('a2'),
      slots: new Set(['Y']),
      timeMs: 1,
    });
    const a3 = scheduler.request({
      cameraId: 'a',
      image: Buffer.from('a3'),
      slots: new Set(['W']),
      timeMs: 2,
    });
    assert.deepEqual(await a2, { status: 'superseded' });
    assert.equal(scheduler.pending, 2);
    next();
    await tick();
    next();
    await tick();
    next();
    const [r1, rb, r3] = await Promise.all([a1, b1, a3]);
    assert.equal(r1.status, 'done');
    assert.deepEqual(calls, ['a1', 'b1', 'a3'], 'a is not served twice before b');
    assert.ok(
      r3.status === 'done' && [...r3.request.slots].sort().join() === 'W,Y',
      'the dropped frame’s slots go along',
    );
    assert.equal(rb.status, 'done');
    assert.equal(scheduler.stats.superseded, 1);
    assert.equal(scheduler.stats.completed, 3);
  });
});

describe('evidence', () => {
  test('the box is drawn and cropped where it is, also when given in the layout’s resolution', async () => {
    const { default: sharp } = await import('sharp');
    const { makeEvidence } = await import('../../pipelines/observations/index.ts');
    // A 640×360 stream of a camera laid out at 1280×720: the box halves.
    const jpeg = await sharp({ create: { width: 640, height: 360, channels: 3, background: '#808080' } })
      .jpeg()
      .toBuffer();
    const { frameJpeg, cropJpeg } = await makeEvidence(
      jpeg,
      { x: 400, y: 200, width: 200, height: 100 },
      { width: 1280, height: 720 },
    );
    const frame = await sharp(frameJpeg).raw().toBuffer({ resolveWithObject: true });
    assert.equal(frame.info.width, 640);
    // A 2-pixel red line through JPEG's colour subsampling: clearly redder than the grey around it.
    const red = (x: number, y: number) =>
      frame.data[(y * 640 + x) * 3]! - frame.data[(y * 640 + x) * 3 + 1]! > 60;
    assert.ok(red(200, 125), 'the box edge is drawn at the scaled place');
    assert.ok(!red(400, 200), 'nothing is drawn at the unscaled place');
    // Crop: the box (100×50) and a margin of 35 % of its longer side each way.
    const crop = await sharp(cropJpeg).metadata();
    assert.equal(crop.width, 170);
    assert.equal(crop.height, 120);
  });
});
