import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { before, describe, test } from 'node:test';
import { Registry } from 'prom-client';
import { filter, firstValueFrom, Subject, take, tap, toArray } from 'rxjs';
import { loadLayoutFile, type RoomLayout } from '../../calibration/index.ts';
import { createPackageDetector } from '../../models/index.ts';
import {
  type CameraFrame,
  type CameraSource,
  createPipelineMetrics,
  createRoomPipeline,
  mjpegHttpSource,
  type PipelineObservation,
  simulatorSource,
} from '../../pipelines/index.ts';
import { openSimulatedRoom, startSimulatorServer } from '../../simulator/index.ts';

describe('room pipeline: faults', () => {
  let layout: RoomLayout;
  before(async () => {
    layout = await loadLayoutFile('calibration/rooms/demo-room.yaml');
  });

  test('a camera that drops out is reported offline, then online when it comes back', async () => {
    // Scenario 09: cam-2 delivers nothing from 2 s to 7 s of the story; the story runs on the wall clock.
    const room = await openSimulatedRoom({ layout, scenario: '09-camera-drops-out' });
    const server = await startSimulatorServer({ room, fps: 10 });
    const detector = await createPackageDetector({ modelPath: 'tests/fixtures/tiny-detector.onnx' });
    const registry = new Registry();
    const metrics = createPipelineMetrics(registry);
    const pipeline = createRoomPipeline({
      layout,
      detector,
      metrics,
      // Well under cam-2's 5 s gap, and long enough that a loaded machine's stall of cam-1 is not one.
      offlineAfterMs: 2500,
      evidence: false,
      sources: ['cam-1', 'cam-2'].map((id) =>
        mjpegHttpSource({
          cameraId: id,
          url: `${server.url}/cameras/${id}/stream.mjpeg`,
          backoff: { initialMs: 100, maxMs: 400 },
        }),
      ),
    });
    // cam-1's count when cam-2 went offline: it must go on while cam-2 is away.
    let cam1AtOffline = -1;
    try {
      const events = await firstValueFrom(
        pipeline.observations$.pipe(
          tap((o) => {
            if (o.kind === 'camera_offline' && o.cameraId === 'cam-2')
              cam1AtOffline = pipeline.health().cameras.find((c) => c.cameraId === 'cam-1')!.processed;
          }),
          filter(
            (o): o is Extract<PipelineObservation, { kind: 'camera_offline' | 'camera_online' }> =>
              o.kind.startsWith('camera_') && o.cameraId === 'cam-2',
          ),
          take(2),
          toArray(),
        ),
      );
      assert.deepEqual(
        events.map((e) => [e.kind, e.cameraId]),
        [
          ['camera_offline', 'cam-2'],
          ['camera_online', 'cam-2'],
        ],
      );
      const health = pipeline.health();
      const cam1 = health.cameras.find((c) => c.cameraId === 'cam-1')!;
      assert.ok(
        cam1AtOffline >= 0 && cam1.processed > cam1AtOffline,
        `cam-1 kept running while cam-2 was away: ${cam1AtOffline} → ${cam1.processed} frames`,
      );
      const text = await registry.metrics();
      assert.match(text, /parcelroom_camera_frames_total\{camera="cam-1"\} \d+/);
      assert.match(text, /parcelroom_camera_reconnects\{camera="cam-2"\} [1-9]/);
    } finally {
      await server.close();
      await detector.close();
    }
  });

  test('truncated JPEGs and garbage are counted, and the pipeline keeps going', async () => {
    const detector = await createPackageDetector({ modelPath: 'tests/fixtures/tiny-detector.onnx' });
    const room = await openSimulatedRoom({ layout, seed: 1 });
    const good = (await room.renderJpeg('cam-1', 0, 0)).jpeg;
    let sent = 0;
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'multipart/x-mixed-replace; boundary=x' });
      const timer = setInterval(() => {
        sent++;
        // Every third part is cut short, every fifth is not a JPEG at all.
        const body =
          sent % 5 === 0
            ? Buffer.from('garbage!')
            : sent % 3 === 0
              ? good.subarray(0, good.length >> 1)
              : good;
        res.write(`--x\r\nContent-Type: image/jpeg\r\nContent-Length: ${body.length}\r\n\r\n`);
        res.write(body);
        res.write('\r\n');
      }, 15);
      res.on('close', () => clearInterval(timer));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const errors: string[] = [];
    const pipeline = createRoomPipeline({
      layout,
      detector,
      evidence: false,
      sources: [mjpegHttpSource({ cameraId: 'cam-1', url })],
      onError: (error) => errors.push(error.message),
    });
    const subscription = pipeline.observations$.subscribe();
    try {
      // A loaded machine drops frames (the newest wins), so wait for the counts, not for a number sent.
      const deadline = Date.now() + 90_000;
      const enough = () => {
        const [c] = pipeline.health().cameras;
        return c!.corruptFrames >= 5 && c!.corrupt >= 5 && c!.processed >= 10;
      };
      while (!enough() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      const [cam] = pipeline.health().cameras;
      assert.ok(cam!.corruptFrames >= 5, `garbage counted by the source: ${cam!.corruptFrames}`);
      assert.ok(cam!.corrupt >= 5, `truncated frames counted by the pipeline: ${cam!.corrupt}`);
      assert.ok(cam!.processed >= 10, `good frames still processed: ${cam!.processed}`);
      assert.ok(
        errors.every((m) => /cam-1 frame \d+:/.test(m)),
        'each error names camera and frame',
      );
    } finally {
      subscription.unsubscribe();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await detector.close();
    }
  });

  test('a stuttering camera (gaps up to a second) stays online and every frame it sends is used', async () => {
    const detector = await createPackageDetector({ modelPath: 'tests/fixtures/tiny-detector.onnx' });
    const room = await openSimulatedRoom({ layout, seed: 2 });
    const frame = (await room.renderJpeg('cam-1', 0, 0)).jpeg;
    const gaps = [20, 900, 40, 40, 1000, 10, 600, 30, 30, 800, 50, 50];
    let sent = 0;
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'multipart/x-mixed-replace; boundary=s' });
      const next = () => {
        if (res.destroyed) return;
        res.write(`--s\r\nContent-Type: image/jpeg\r\nContent-Length: ${frame.length}\r\n\r\n`);
        res.write(frame);
        res.write('\r\n');
        sent++;
        if (sent < gaps.length) setTimeout(next, gaps[sent]);
      };
      next();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const logged: string[] = [];
    const pipeline = createRoomPipeline({
      layout,
      detector,
      evidence: false,
      offlineAfterMs: 2500,
      sources: [
        mjpegHttpSource({
          cameraId: 'cam-1',
          url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
        }),
      ],
      logger: {
        info: (_o: unknown, m?: string) => logged.push(m ?? ''),
        warn: (_o: unknown, m?: string) => logged.push(m ?? ''),
      } as never,
    });
    const kinds: string[] = [];
    const subscription = pipeline.observations$.subscribe((o) => kinds.push(o.kind));
    try {
      while (sent < gaps.length) await new Promise((resolve) => setTimeout(resolve, 50));
      await new Promise((resolve) => setTimeout(resolve, 300));
      const [cam] = pipeline.health().cameras;
      assert.equal(cam!.frames, gaps.length);
      assert.equal(cam!.processed + cam!.skipped + cam!.dropped, gaps.length, 'every frame accounted for');
      assert.equal(cam!.corrupt, 0);
      assert.ok(!kinds.includes('camera_offline'), 'gaps shorter than the offline limit are not an outage');
      assert.ok(!logged.includes('camera offline'));
    } finally {
      subscription.unsubscribe();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await detector.close();
    }
  });

  test('takes stock of the shelves at the first look: what every slot holds, before any change is told', async () => {
    // Scenario 03 starts with packages on A3-3, A3-2 and B2-1; nothing moves in its first second.
    const room = await openSimulatedRoom({ layout, scenario: '03-pickup-with-session' });
    const detector = await createPackageDetector();
    const pipeline = createRoomPipeline({
      layout,
      detector,
      evidence: false,
      sources: room.cameraIds.map((id) => simulatorSource(room, id, 10)),
    });
    const told: PipelineObservation[] = [];
    const subscription = pipeline.observations$.subscribe((o) => told.push(o));
    try {
      const stock = await pipeline.stock(20_000);
      assert.deepEqual(stock.cameraIds, [...room.cameraIds].sort());
      const occupied = Object.entries(stock.counts)
        .filter(([, n]) => n > 0)
        .map(([slot, n]) => `${slot}:${n}`)
        .sort();
      assert.deepEqual(occupied, ['A3-2:1', 'A3-3:1', 'B2-1:1']);
      // Every slot of the room is watched by some camera and counted, the empty ones as 0.
      assert.equal(Object.keys(stock.counts).length, 60);
      assert.equal(told.filter((o) => o.kind === 'appeared').length, 0);
    } finally {
      subscription.unsubscribe();
      await detector.close();
    }
  });

  test('reports the stock of the cameras that looked when one of them never delivers', async () => {
    const room = await openSimulatedRoom({ layout, seed: 4 });
    const detector = await createPackageDetector({ modelPath: 'tests/fixtures/tiny-detector.onnx' });
    // A camera that is connected in name only: it never sends a frame.
    const silent: CameraSource = {
      cameraId: 'cam-3',
      frames$: new Subject<CameraFrame>(),
      health: () => ({
        cameraId: 'cam-3',
        state: 'connecting',
        fps: 0,
        lastFrameAgeMs: undefined,
        frames: 0,
        reconnects: 0,
        corruptFrames: 0,
        lastError: undefined,
      }),
    };
    const pipeline = createRoomPipeline({
      layout,
      detector,
      evidence: false,
      sources: [simulatorSource(room, 'cam-1', 10), silent],
    });
    const subscription = pipeline.observations$.subscribe();
    try {
      const stock = await pipeline.stock(1500);
      assert.deepEqual(stock.cameraIds, ['cam-1']);
      const cam1Slots = Object.keys(layout.cameras.find((c) => c.id === 'cam-1')!.slots).sort();
      assert.deepEqual(Object.keys(stock.counts).sort(), cam1Slots);
    } finally {
      subscription.unsubscribe();
      await detector.close();
    }
  });
});
