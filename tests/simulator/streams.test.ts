import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { loadLayoutFile, pointInPolygon, type RoomLayout } from '../../calibration/index.ts';
import {
  openSimulatedRoom,
  type SimulatorServer,
  simulatedFrames,
  startSimulatorServer,
} from '../../simulator/index.ts';

const run = promisify(execFile);

describe('simulator streams', () => {
  let layout: RoomLayout;
  let server: SimulatorServer;
  let storyMs = 6000;
  const folder = mkdtempSync(join(tmpdir(), 'parcelroom-sim-'));

  before(async () => {
    layout = await loadLayoutFile('calibration/rooms/demo-room.yaml');
    const room = await openSimulatedRoom({ layout, scenario: '09-camera-drops-out' });
    // The test sets the story time, so what the cameras show is known.
    server = await startSimulatorServer({ room, fps: 10, clock: () => storyMs });
  });
  after(async () => {
    await server?.close();
    rmSync(folder, { recursive: true, force: true });
  });

  test("Debian's ffmpeg reads 20 frames from a camera's MJPEG stream", async () => {
    storyMs = 12_000;
    // The clock is frozen, so the simulator sends the same frame index each tick; still a stream of JPEGs.
    await run(
      'ffmpeg',
      [
        '-hide_banner',
        '-loglevel',
        'error',
        '-y',
        '-i',
        `${server.url}/cameras/cam-1/stream.mjpeg`,
        '-frames:v',
        '20',
        join(folder, 'out%02d.jpg'),
      ],
      {
        timeout: 30_000,
      },
    );
    const files = readdirSync(folder).filter((f) => /^out\d\d\.jpg$/.test(f));
    assert.equal(files.length, 20);
    const meta = await sharp(readFileSync(join(folder, files[0]!))).metadata();
    assert.deepEqual([meta.width, meta.height], [1280, 720]);
  });

  test('a snapshot is one JPEG of the camera resolution, and the truth names the package in view', async () => {
    storyMs = 12_000;
    const response = await fetch(`${server.url}/cameras/cam-2/snapshot.jpg`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'image/jpeg');
    const jpeg = Buffer.from(await response.arrayBuffer());
    assert.deepEqual([...jpeg.subarray(0, 3)], [0xff, 0xd8, 0xff]);
    const truth = (await (await fetch(`${server.url}/cameras/cam-2/truth`)).json()) as {
      boxes: Array<{ packageId: string; x: number; y: number; width: number; height: number }>;
    };
    const box = truth.boxes.find((b) => b.packageId === 'p1');
    assert.ok(box, 'p1 is in view of cam-2');
    // Its bottom centre rests in B4-2's cell of this camera.
    const cell = layout.cameras.find((c) => c.id === 'cam-2')!.slots['B4-2']!;
    assert.ok(pointInPolygon([box.x + box.width / 2, box.y + box.height - 2], cell));
    const slots = (await (await fetch(`${server.url}/truth`)).json()) as { slots: Record<string, string[]> };
    assert.deepEqual(slots.slots['B4-2'], ['p1']);
  });

  test('an offline camera refuses its stream and snapshot with 503 and others keep serving', async () => {
    storyMs = 4000;
    const stream = await fetch(`${server.url}/cameras/cam-2/stream.mjpeg`);
    assert.equal(stream.status, 503);
    assert.equal(((await stream.json()) as any).error.code, 'camera_offline');
    assert.equal((await fetch(`${server.url}/cameras/cam-2/snapshot.jpg`)).status, 503);
    assert.equal((await fetch(`${server.url}/cameras/cam-1/snapshot.jpg`)).status, 200);
    const cameras = (await (await fetch(`${server.url}/cameras`)).json()) as {
      cameras: Array<{ id: string; online: boolean }>;
    };
    assert.deepEqual(
      cameras.cameras.map((c) => [c.id, c.online]),
      [
        ['cam-1', true],
        ['cam-2', false],
        ['cam-3', true],
      ],
    );
  });

  test('locator commands put a red dot on the aimed slot and the truth reports where', async () => {
    storyMs = 12_000;
    const post = (body: unknown) =>
      fetch(`${server.url}/locator`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    assert.equal((await post({ type: 'aim-slot', slotId: 'B3-2' })).status, 200);
    assert.equal((await post({ type: 'laser', on: true })).status, 200);
    storyMs = 12_100;
    const truth = (await (await fetch(`${server.url}/cameras/cam-2/truth`)).json()) as {
      laserDot: { x: number; y: number } | null;
    };
    assert.ok(truth.laserDot, 'the dot is visible to cam-2');
    const cell = layout.cameras.find((c) => c.id === 'cam-2')!.slots['B3-2']!;
    assert.ok(
      pointInPolygon([truth.laserDot.x, truth.laserDot.y], cell),
      'the dot lands in the slot it was aimed at',
    );
    const snapshot = Buffer.from(
      await (await fetch(`${server.url}/cameras/cam-2/snapshot.jpg`)).arrayBuffer(),
    );
    const { data, info } = await sharp(snapshot).raw().toBuffer({ resolveWithObject: true });
    const at = (Math.round(truth.laserDot.y) * info.width + Math.round(truth.laserDot.x)) * info.channels;
    assert.ok(
      data[at]! > 180 && data[at]! > data[at + 1]! + 60,
      `pixel at the dot is red: ${[...data.subarray(at, at + 3)]}`,
    );
    assert.equal((await post({ type: 'off' })).status, 200);
    storyMs = 12_200;
    const off = (await (await fetch(`${server.url}/cameras/cam-2/truth`)).json()) as { laserDot: unknown };
    assert.equal(off.laserDot, null);
  });

  test('bad locator commands are refused with a clear message and change nothing', async () => {
    const before = await (await fetch(`${server.url}/locator`)).json();
    const post = (body: string) =>
      fetch(`${server.url}/locator`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
    const wrongType = await post(JSON.stringify({ type: 'dance' }));
    assert.equal(wrongType.status, 400);
    assert.match(
      ((await wrongType.json()) as any).error.message,
      /type must be one of aim, aim-slot, laser, strobe, off/,
    );
    const outOfRange = await post(JSON.stringify({ type: 'aim', panDeg: 500, tiltDeg: 0 }));
    assert.equal(outOfRange.status, 400);
    const unknownSlot = await post(JSON.stringify({ type: 'aim-slot', slotId: 'Q1-1' }));
    assert.equal(unknownSlot.status, 404);
    assert.match(((await unknownSlot.json()) as any).error.message, /no slot Q1-1/);
    assert.equal((await post('{"type": "laser", "on": tr')).status, 400);
    assert.deepEqual(await (await fetch(`${server.url}/locator`)).json(), before);
    assert.equal((await fetch(`${server.url}/cameras/cam-9/snapshot.jpg`)).status, 404);
  });

  test('the in-process source runs faster than real time, skips offline frames, and is deterministic', async () => {
    const room = await openSimulatedRoom({ layout, scenario: '09-camera-drops-out' });
    const times: number[] = [];
    const hashes: string[] = [];
    for await (const frame of simulatedFrames(room, { cameraId: 'cam-2', fps: 2, untilMs: 9000 })) {
      times.push(frame.timeMs);
      hashes.push(frame.frame.rgb.subarray(0, 5000).toString('base64'));
    }
    // cam-2 is offline from 2 s to 7 s.
    assert.deepEqual(times, [0, 500, 1000, 1500, 7000, 7500, 8000, 8500, 9000]);
    const again = await openSimulatedRoom({ layout, scenario: '09-camera-drops-out' });
    const first = await simulatedFrames(again, { cameraId: 'cam-2', fps: 2 }).next();
    assert.equal(first.value!.frame.rgb.subarray(0, 5000).toString('base64'), hashes[0]);
  });
});
