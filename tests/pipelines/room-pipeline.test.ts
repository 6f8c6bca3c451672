import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { before, describe, test } from 'node:test';
import { Registry } from 'prom-client';
import { filter, firstValueFrom, take, toArray } from 'rxjs';
import { loadLayoutFile, type RoomLayout } from '../../calibration/index.ts';
import { createPackageDetector } from '../../models/index.ts';
import {
  createPipelineMetrics,
  createRoomPipeline,
  mjpegHttpSource,
  type PipelineObservation,
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
      offlineAfterMs: 1500,
      evidence: false,
      sources: ['cam-1', 'cam-2'].map((id) =>
        mjpegHttpSource({
          cameraId: id,
          url: `${server.url}/cameras/${id}/stream.mjpeg`,
          backoff: { initialMs: 100, maxMs: 400 },
        }),
      ),
    });
    try {
      const events = await firstValueFrom(
        pipeline.observations$.pipe(
          filter((o): o is Extract<PipelineObservation, { kind: 'camera_offline' | 'camera_online' }> =>
            o.kind.startsWith('camera_'),
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
      assert.ok(cam1.processed > 30, `cam-1 kept running: ${cam1.processed} frames`);
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
      while (sent < 40) await new Promise((resolve) => setTimeout(resolve, 20));
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
});
