import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { loadLayoutFile, type RoomLayout } from '../../calibration/index.ts';
import { decodeFrame } from '../../pipelines/frames/decode-frame.ts';
import { type MotionEvent, MotionGate } from '../../pipelines/motion/index.ts';
import { openSimulatedRoom, type SimulatedRoom } from '../../simulator/index.ts';

/**
 * The motion gate on simulator streams, through the real decode (JPEG, shrink-on-load to 160×90),
 * at 10 fps on the scenario's clock.
 */
async function runGate(room: SimulatedRoom, cameraId: string, untilMs: number, layout: RoomLayout) {
  const view = layout.cameras.find((c) => c.id === cameraId)!;
  const gate = new MotionGate(
    Object.entries(view.slots).map(([id, polygon]) => ({ id, polygon: polygon as Array<[number, number]> })),
    view.resolution,
    { width: 160, height: 90 },
  );
  const events: MotionEvent[] = [];
  for (let index = 0; index * 100 <= untilMs; index++) {
    const timeMs = index * 100;
    if (!room.isOnline(cameraId, timeMs)) continue;
    const { jpeg } = await room.renderJpeg(cameraId, timeMs, index);
    const frame = await decodeFrame({ cameraId, seq: index + 1, jpeg, receivedAtMs: timeMs });
    for (const event of gate.update(frame.grey, frame.timeMs)) {
      events.push(event);
      // The pipeline looks at every region that settled different, which makes it the new normal.
      if (event.kind === 'settled') gate.acceptBackground(event.changed);
    }
  }
  return { events, gate };
}

describe('motion gate', () => {
  let layout: RoomLayout;
  before(async () => {
    layout = await loadLayoutFile('calibration/rooms/demo-room.yaml');
  });

  test('an empty room with sensor noise and flicker raises nothing', async () => {
    const room = await openSimulatedRoom({ layout, seed: 3 });
    const { events, gate } = await runGate(room, 'cam-2', 8000, layout);
    assert.deepEqual(events, []);
    assert.ok(
      Object.values(gate.regionPixels).every((n) => n >= 20),
      'every slot is watched by enough pixels',
    );
  });

  test('a placement shows as motion, then the slot settles changed once the courier has gone', async () => {
    const room = await openSimulatedRoom({ layout, scenario: '01-single-delivery' });
    const { events } = await runGate(room, 'cam-2', 16_000, layout);
    assert.ok(
      events.some((e) => e.kind === 'motion' && e.regions.includes('B3-2')),
      'the placement is motion in B3-2',
    );
    const settledChanged = events.filter((e) => e.kind === 'settled' && e.changed.includes('B3-2'));
    assert.ok(settledChanged.length >= 1, `B3-2 settles changed: ${JSON.stringify(events)}`);
    const last = settledChanged.at(-1)!;
    assert.ok(last.timeMs >= 4000 && last.timeMs <= 12_000, `settled at ${last.timeMs} ms`);
    assert.equal(events.filter((e) => e.kind === 'lighting').length, 0);
    // Slots far from the courier's path never change.
    assert.ok(
      !events.some((e) => e.kind === 'settled' && e.changed.some((id) => id.startsWith('C5'))),
      'nothing changes on the top of unit C',
    );
  });

  test('lights going off and on are lighting changes, not objects', async () => {
    const room = await openSimulatedRoom({ layout, scenario: '08-lights-off-and-on' });
    const { events } = await runGate(room, 'cam-2', 16_000, layout);
    assert.ok(events.filter((e) => e.kind === 'lighting').length >= 2, JSON.stringify(events));
    const changed = events.flatMap((e) => (e.kind === 'settled' ? e.changed : []));
    assert.deepEqual(changed, [], 'no slot is reported changed by the light');
  });

  test('a strobe flash over one zone moves nothing', async () => {
    const room = await openSimulatedRoom({ layout, seed: 3 });
    const view = layout.cameras.find((c) => c.id === 'cam-2')!;
    const gate = new MotionGate(
      Object.entries(view.slots).map(([id, polygon]) => ({
        id,
        polygon: polygon as Array<[number, number]>,
      })),
      view.resolution,
      { width: 160, height: 90 },
    );
    const events: MotionEvent[] = [];
    for (let index = 0; index < 40; index++) {
      if (index === 10) room.command({ type: 'strobe', zoneId: 'Z2', on: true }, index * 100);
      if (index === 25) room.command({ type: 'strobe', zoneId: 'Z2', on: false }, index * 100);
      const { jpeg } = await room.renderJpeg('cam-2', index * 100, index);
      const frame = await decodeFrame({ cameraId: 'cam-2', seq: index, jpeg, receivedAtMs: index * 100 });
      events.push(...gate.update(frame.grey, frame.timeMs));
    }
    const changed = events.flatMap((e) => (e.kind === 'settled' ? e.changed : []));
    assert.deepEqual(changed, [], `strobe seen as objects: ${JSON.stringify(events)}`);
  });

  test('a frame of the wrong size is refused', () => {
    const gate = new MotionGate([], { width: 1280, height: 720 }, { width: 160, height: 90 });
    assert.throws(() => gate.update(new Uint8Array(10), 0), /expected a 160×90 grey frame/);
  });
});
