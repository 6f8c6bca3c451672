import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { createApp } from '../../../services/http/index.ts';
import { createServiceMetrics } from '../../../services/metrics/index.ts';
import { createPhotoLinks } from '../../../services/notifications/index.ts';
import {
  linkSecret,
  type NotificationBed,
  openNotificationBed,
  type PlacedPackage,
  placePackage,
  silentLogger,
} from './notification-fixtures.ts';

const links = createPhotoLinks(linkSecret);
const packageA = '0f8fad5b-d9cb-469f-a165-70867728950e';
const packageB = '7c9e6679-7425-40de-944b-e07fc1f90ae7';
const inAWeek = () => new Date(Date.now() + 7 * 86_400_000);

describe('signed photo links', () => {
  test('a link signed for a package verifies as that package until it expires', () => {
    const expiresAt = inAWeek();
    const check = links.verify(links.sign(packageA, expiresAt));
    assert.deepEqual(check, {
      ok: true,
      packageId: packageA,
      expiresAt: new Date(Math.floor(expiresAt.getTime() / 1000) * 1000),
    });
  });

  test('an expired link is refused as expired', () => {
    const token = links.sign(packageA, new Date(Date.now() + 60_000));
    assert.deepEqual(links.verify(token, { now: new Date(Date.now() + 61_000) }), {
      ok: false,
      reason: 'expired',
    });
  });

  test('changing any part of a link breaks its signature', () => {
    const token = links.sign(packageA, inAWeek());
    const [id, expiry, signature] = token.split('.') as [string, string, string];
    const otherId = packageB.replaceAll('-', '');
    assert.deepEqual(links.verify(`${otherId}.${expiry}.${signature}`), { ok: false, reason: 'tampered' });
    const later = (Number.parseInt(expiry, 36) + 86_400 * 365).toString(36);
    assert.deepEqual(links.verify(`${id}.${later}.${signature}`), { ok: false, reason: 'tampered' });
    // Every character, the last one too (base64 leaves spare bits there).
    for (let at = 0; at < signature.length; at++) {
      const changed = signature[at] === 'A' ? 'B' : 'A';
      const flipped = `${signature.slice(0, at)}${changed}${signature.slice(at + 1)}`;
      assert.deepEqual(
        links.verify(`${id}.${expiry}.${flipped}`),
        { ok: false, reason: 'tampered' },
        `character ${at}`,
      );
    }
    assert.deepEqual(links.verify('not-a-link'), { ok: false, reason: 'malformed' });
  });

  test('a link signed with another secret is refused', () => {
    const foreign = createPhotoLinks('another-secret-0123456789abcdef').sign(packageA, inAWeek());
    assert.deepEqual(links.verify(foreign), { ok: false, reason: 'tampered' });
  });

  test('a valid link for one package does not open another', () => {
    const token = links.sign(packageA, inAWeek());
    assert.deepEqual(links.verify(token, { expectPackageId: packageB }), {
      ok: false,
      reason: 'wrong_package',
    });
  });

  test('a secret shorter than 16 bytes is refused with what to set', () => {
    assert.throws(() => createPhotoLinks('short'), /at least 16 bytes/);
  });
});

describe('GET /p/:token/photo', () => {
  let bed: NotificationBed;
  let server: Server;
  let base: string;
  let placed: PlacedPackage;
  let other: PlacedPackage;

  before(async () => {
    bed = await openNotificationBed();
    placed = await placePackage(bed);
    other = await placePackage(bed);
    await bed.db.query('UPDATE packages SET photo_image_id = NULL WHERE id = $1', [other.packageId]);
    const app = createApp({
      store: bed.store,
      metrics: createServiceMetrics(),
      logger: silentLogger,
      bodyLimitKb: 64,
      photoLinks: links,
    });
    server = createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    await bed?.close();
  });

  test("the resident's link serves their package photo, privately", async () => {
    const res = await fetch(`${base}/p/${links.sign(placed.packageId, inAWeek())}/photo`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'image/jpeg');
    assert.equal(res.headers.get('cache-control'), 'private, max-age=300');
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), placed.photo);
  });

  test('an expired link answers 410 and says what to do', async () => {
    const res = await fetch(`${base}/p/${links.sign(placed.packageId, new Date(Date.now() - 1000))}/photo`);
    assert.equal(res.status, 410);
    const body = (await res.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'link_expired');
    assert.match(body.error.message, /staff/);
  });

  test('a tampered link, a made-up link and a link to a package without a photo all answer the same 404', async () => {
    const good = links.sign(placed.packageId, inAWeek());
    const tampered = good.replace(/^[0-9a-f]{32}/, other.packageId.replaceAll('-', ''));
    for (const token of [tampered, 'made-up', links.sign(other.packageId, inAWeek())]) {
      const res = await fetch(`${base}/p/${token}/photo`);
      assert.equal(res.status, 404, token);
      assert.deepEqual(await res.json(), { error: { code: 'not_found', message: 'no photo at this link' } });
    }
  });

  test('package images are not reachable by id through any other route', async () => {
    const { rows } = await bed.db.query<{ photo_image_id: string }>(
      'SELECT photo_image_id FROM packages WHERE id = $1',
      [placed.packageId],
    );
    for (const path of [
      `/images/${rows[0]!.photo_image_id}`,
      `/api/images/${rows[0]!.photo_image_id}`,
      `/p/${placed.packageId}/photo`,
    ]) {
      // 401 where the route needs a staff session (all of /api), 404 elsewhere: no picture either way.
      const res = await fetch(`${base}${path}`);
      assert.ok([401, 404].includes(res.status), `${path}: ${res.status}`);
      assert.equal(res.headers.get('content-type')?.startsWith('image/'), false, path);
    }
  });

  test('the request log shows a photo link without its token', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });
    const app = createApp({
      store: bed.store,
      metrics: createServiceMetrics(),
      logger,
      bodyLimitKb: 64,
      photoLinks: links,
    });
    const logged = createServer(app);
    await new Promise<void>((resolve) => logged.listen(0, '127.0.0.1', () => resolve()));
    try {
      const token = links.sign(placed.packageId, inAWeek());
      const res = await fetch(`http://127.0.0.1:${(logged.address() as AddressInfo).port}/p/${token}/photo`);
      assert.equal(res.status, 200);
      await res.arrayBuffer();
      const request = lines.map((l) => JSON.parse(l)).find((l) => l.req?.url?.startsWith('/p/'));
      assert.equal(request?.req.url, '/p/***/photo');
      assert.ok(!lines.join('').includes(token));
    } finally {
      await new Promise<void>((resolve) => logged.close(() => resolve()));
    }
  });
});
