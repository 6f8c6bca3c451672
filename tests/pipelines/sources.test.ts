import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { firstValueFrom, take, toArray } from 'rxjs';
import sharp from 'sharp';
import { WebSocket } from 'ws';
import {
  backoffDelay,
  boundaryOf,
  JpegConcatParser,
  MjpegParser,
  mjpegHttpSource,
  reconnectingSource,
  startPushServer,
} from '../../pipelines/sources/index.ts';

const jpegOf = (shade: number) =>
  sharp({ create: { width: 32, height: 16, channels: 3, background: { r: shade, g: shade, b: shade } } })
    .jpeg()
    .toBuffer();

function multipart(boundary: string, parts: Buffer[], withLength = true): Buffer {
  return Buffer.concat(
    parts.flatMap((part) => [
      Buffer.from(
        `--${boundary}\r\nContent-Type: image/jpeg\r\n${withLength ? `Content-Length: ${part.length}\r\n` : ''}\r\n`,
      ),
      part,
      Buffer.from('\r\n'),
    ]),
  );
}

describe('MJPEG parsing', () => {
  let frames: Buffer[];
  before(async () => {
    frames = await Promise.all([10, 120, 240].map(jpegOf));
  });

  test('splits a multipart stream however the chunks fall, with or without Content-Length', () => {
    for (const withLength of [true, false]) {
      const stream = multipart('cam', frames, withLength);
      for (const chunkSize of [1, 7, 100, stream.length]) {
        const parser = new MjpegParser('cam');
        const out: Buffer[] = [];
        for (let i = 0; i < stream.length; i += chunkSize)
          out.push(...parser.push(stream.subarray(i, i + chunkSize)));
        // Without a length, a part ends at the next boundary: the last one waits for it.
        const expected = withLength ? frames : frames.slice(0, -1);
        assert.equal(out.length, expected.length, `withLength=${withLength} chunk=${chunkSize}`);
        for (const [i, f] of out.entries()) assert.ok(f.equals(expected[i]!), `frame ${i}`);
        assert.equal(parser.corrupt, 0);
      }
    }
  });

  test('garbage parts are counted and skipped; the frames around them still arrive', () => {
    const garbage = Buffer.from('this is not a jpeg at all');
    const stream = multipart('b', [frames[0]!, garbage, frames[1]!]);
    const parser = new MjpegParser('"--b"');
    const out = parser.push(stream);
    assert.equal(out.length, 2);
    assert.equal(parser.corrupt, 1);
    // Noise with no boundary at all is bounded: the buffer is dropped, not grown forever.
    const noisy = new MjpegParser('b', 1024);
    noisy.push(Buffer.alloc(200_000, 7));
    assert.equal(noisy.corrupt, 1);
  });

  test('the boundary is read from the content type', () => {
    assert.equal(boundaryOf('multipart/x-mixed-replace; boundary=frame'), 'frame');
    assert.equal(boundaryOf('multipart/x-mixed-replace;boundary="a b"'), 'a b');
    assert.equal(boundaryOf('image/jpeg'), undefined);
  });

  test('concatenated JPEGs (ffmpeg image2pipe) split at their markers', () => {
    const parser = new JpegConcatParser();
    const stream = Buffer.concat([Buffer.from('junk'), ...frames]);
    const out = [...parser.push(stream.subarray(0, 50)), ...parser.push(stream.subarray(50))];
    assert.equal(out.length, 3);
    for (const [i, f] of out.entries()) assert.ok(f.equals(frames[i]!), `frame ${i}`);
  });
});

describe('camera sources', () => {
  let server: Server;
  let url: string;
  let mode: 'ok' | 'fail' | 'truncate' = 'ok';
  let served = 0;
  before(async () => {
    const frames = await Promise.all([30, 60, 90, 120, 150].map(jpegOf));
    server = createServer((req, res) => {
      served++;
      if (mode === 'fail') {
        res.writeHead(503).end();
        return;
      }
      res.writeHead(200, { 'Content-Type': 'multipart/x-mixed-replace; boundary=frame' });
      if (mode === 'truncate') {
        // Half a frame, then the camera hangs up.
        res.end(multipart('frame', [frames[0]!]).subarray(0, 200));
        return;
      }
      let i = 0;
      const timer = setInterval(() => res.write(multipart('frame', [frames[i++ % frames.length]!])), 20);
      req.on('close', () => clearInterval(timer));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/stream.mjpeg`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  test('an MJPEG camera over HTTP delivers numbered frames and reports itself connected', async () => {
    mode = 'ok';
    const source = mjpegHttpSource({ cameraId: 'cam-x', url });
    const got = await firstValueFrom(source.frames$.pipe(take(6), toArray()));
    assert.deepEqual(
      got.map((f) => f.seq),
      [1, 2, 3, 4, 5, 6],
    );
    assert.ok(got.every((f) => f.cameraId === 'cam-x' && f.jpeg[0] === 0xff && f.jpeg[1] === 0xd8));
    const health = source.health();
    assert.equal(health.frames, 6);
    assert.ok(health.lastFrameAgeMs !== undefined && health.lastFrameAgeMs < 1000);
  });

  test('a failing or truncating camera is retried with backoff and recovers without an error', async () => {
    mode = 'fail';
    served = 0;
    const source = mjpegHttpSource({ cameraId: 'cam-y', url, backoff: { initialMs: 20, maxMs: 80 } });
    const frames = firstValueFrom(source.frames$.pipe(take(2), toArray()));
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.ok(served >= 3, `retried ${served} times`);
    const failing = source.health();
    assert.notEqual(failing.state, 'connected');
    assert.match(failing.lastError ?? '', /HTTP 503/);
    mode = 'truncate';
    await new Promise((resolve) => setTimeout(resolve, 150));
    mode = 'ok';
    const got = await frames;
    assert.equal(got.length, 2);
    assert.ok(source.health().reconnects >= 3);
  });

  test('the reconnect delay doubles up to its cap, with jitter, and a frame resets it', async () => {
    const waits: number[] = [];
    let attempts = 0;
    const source = reconnectingSource(
      'cam-z',
      async (_signal, emit) => {
        attempts++;
        // The fifth attempt gets a frame through before failing: the delay starts over.
        if (attempts === 5) emit(Buffer.from([0xff, 0xd8, 0xff, 0xd9]));
        throw new Error('refused');
      },
      {
        backoff: { initialMs: 10, maxMs: 40 },
        random: () => 0.5,
        // Record the wait, and yield to the event loop as a real timer would.
        sleep: (ms) => {
          waits.push(ms);
          return new Promise((resolve) => setImmediate(resolve));
        },
      },
    );
    const seqs: number[] = [];
    const subscription = source.frames$.subscribe((f) => seqs.push(f.seq));
    while (waits.length < 6) await new Promise((resolve) => setImmediate(resolve));
    subscription.unsubscribe();
    assert.deepEqual(seqs, [1]);
    assert.deepEqual(waits.slice(0, 6), [10, 20, 40, 40, 10, 20]);
    assert.equal(backoffDelay(0, { initialMs: 100, maxMs: 1000 }, 0), 80);
    assert.ok(Math.abs(backoffDelay(9, { initialMs: 100, maxMs: 1000 }, 1) - 1200) < 1e-9);
  });
});

describe('WebSocket push from an edge device', () => {
  test('frames pushed with the camera token arrive; wrong tokens are refused; junk is counted', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const push = startPushServer({ server, tokens: { 'cam-7': 's3cret-token' }, maxFrameBytes: 64 * 1024 });
    const source = push.source('cam-7');
    // Keep the source running for the whole test, as a pipeline would.
    const running = source.frames$.subscribe();
    const received = firstValueFrom(source.frames$.pipe(take(2), toArray()));
    const open = (path: string, token?: string) =>
      new Promise<{ ws: WebSocket; status?: number }>((resolve) => {
        const ws = new WebSocket(
          `${base}${path}`,
          token ? { headers: { Authorization: `Bearer ${token}` } } : {},
        );
        ws.once('open', () => resolve({ ws }));
        ws.once('unexpected-response', (_req, res) => resolve({ ws, status: res.statusCode }));
        ws.once('error', () => undefined);
      });
    try {
      assert.equal((await open('/cameras/cam-7/push', 'wrong')).status, 401);
      assert.equal((await open('/cameras/cam-7/push')).status, 401);
      assert.equal((await open('/cameras/cam-9/push', 's3cret-token')).status, 404);
      const { ws } = await open('/cameras/cam-7/push', 's3cret-token');
      const frame = await jpegOf(99);
      ws.send(Buffer.from('not a jpeg'));
      ws.send(frame);
      ws.send(frame);
      const got = await received;
      assert.equal(got.length, 2);
      assert.ok(got[0]!.jpeg.equals(frame));
      assert.equal(source.health().corruptFrames, 1);
      // An oversized message closes the connection (1009) and is counted; nothing else happens.
      const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
      ws.send(Buffer.alloc(100 * 1024, 0xff));
      assert.equal(await closed, 1009);
      for (let i = 0; i < 100 && source.health().corruptFrames < 2; i++)
        await new Promise((resolve) => setTimeout(resolve, 20));
      assert.equal(source.health().corruptFrames, 2);
      assert.throws(() => push.source('cam-8'), /no push token configured for camera cam-8/);
    } finally {
      running.unsubscribe();
      push.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('ffmpeg source', () => {
  test('a video file is read through ffmpeg as JPEG frames; a missing file is retried, not thrown', async () => {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { execFileSync } = await import('node:child_process');
    const { ffmpegAvailable, ffmpegSource } = await import('../../pipelines/sources/index.ts');
    assert.ok(ffmpegAvailable(), "Debian's ffmpeg is installed for the tests (.ci/apt-packages.txt)");
    const folder = mkdtempSync(join(tmpdir(), 'parcelroom-ffmpeg-'));
    try {
      const video = join(folder, 'clip.mp4');
      execFileSync('ffmpeg', [
        '-loglevel',
        'error',
        '-f',
        'lavfi',
        '-i',
        'testsrc=size=320x180:rate=10',
        '-t',
        '2',
        video,
      ]);
      const source = ffmpegSource({ cameraId: 'file-cam', input: video, width: 160 });
      const frames = await firstValueFrom(source.frames$.pipe(take(12), toArray()));
      assert.equal(frames.length, 12);
      const meta = await sharp(frames[0]!.jpeg).metadata();
      assert.equal(meta.format, 'jpeg');
      assert.equal(meta.width, 160);
      const missing = ffmpegSource({
        cameraId: 'gone',
        input: join(folder, 'nope.mp4'),
        backoff: { initialMs: 10, maxMs: 20 },
      });
      const running = missing.frames$.subscribe();
      for (let i = 0; i < 200 && missing.health().reconnects < 2; i++)
        await new Promise((resolve) => setTimeout(resolve, 20));
      running.unsubscribe();
      assert.ok(missing.health().reconnects >= 2, 'retried');
      assert.match(missing.health().lastError ?? '', /ffmpeg exited with/);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
