import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type RunningService, startService } from '../../services/app/index.ts';
import { loadConfig } from '../../services/config/index.ts';
import { createLogger } from '../../services/logging/index.ts';
import { createScratchBackend, type ScratchBackend } from '../support/databases.ts';

describe('HTTP API', () => {
  let backend: ScratchBackend;
  let service: RunningService;
  const printed: string[] = [];

  before(async () => {
    backend = await createScratchBackend('server');
    const config = loadConfig({
      env: {
        DATABASE_URL: backend.settings.url!,
        PARCELROOM_HTTP_PORT: '0',
        PARCELROOM_SIMULATOR_PORT: '0',
        PARCELROOM_HTTP_BODY_LIMIT_KB: '4',
      },
    });
    service = await startService(config, {
      logger: createLogger({ level: 'silent' }),
      printSecrets: (text) => printed.push(text),
    });
  });
  after(async () => {
    await service?.stop();
    await backend?.dispose();
  });

  // The room API is for signed-in staff: the tests sign in with the first start's password.
  let cookie = '';
  const signIn = async () => {
    const password = /password: (\S+)/.exec(printed[0] ?? '')?.[1];
    const response = await fetch(`${service.url}/staff/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password }),
    });
    assert.equal(response.status, 200);
    cookie = response.headers.get('set-cookie')!.split(';')[0]!;
  };

  const get = async (path: string) => {
    if (!cookie) await signIn();
    const response = await fetch(`${service.url}${path}`, { headers: { cookie } });
    return { status: response.status, headers: response.headers, body: (await response.json()) as any };
  };

  test('the room API refuses requests without a staff session', async () => {
    for (const path of ['/api/rooms', '/api/rooms/demo/slots', '/api/packages']) {
      const response = await fetch(`${service.url}${path}`);
      assert.equal(response.status, 401, path);
      assert.equal(((await response.json()) as any).error.code, 'unauthenticated');
    }
  });

  test('the demo room streams its simulated cameras next to the service', async () => {
    assert.ok(service.simulatorUrl, 'the simulator is on by default');
    const cameras = (await (await fetch(`${service.simulatorUrl}/cameras`)).json()) as any;
    assert.deepEqual(
      cameras.cameras.map((c: { id: string }) => c.id),
      ['cam-1', 'cam-2', 'cam-3'],
    );
    const snapshot = await fetch(`${service.simulatorUrl}/cameras/cam-2/snapshot.jpg`);
    assert.equal(snapshot.status, 200);
    assert.equal(snapshot.headers.get('content-type'), 'image/jpeg');
    const bytes = Buffer.from(await snapshot.arrayBuffer());
    assert.equal(bytes.readUInt16BE(0), 0xffd8, 'a JPEG');
  });

  test('the first start hands the staff password to the printer exactly once', () => {
    assert.equal(printed.length, 1);
    assert.match(printed[0]!, /password: \S{20}/);
  });

  test('a room lists its units with levels, its cameras and every slot', async () => {
    const { status, body } = await get('/api/rooms/demo');
    assert.equal(status, 200);
    assert.deepEqual(
      body.room.units.map((u: { id: string }) => u.id),
      ['A', 'B', 'C'],
    );
    assert.equal(body.room.units[0].levels.length, 5);
    assert.equal(body.room.cameras.length, 3);
    const slots = await get('/api/rooms/demo/slots');
    assert.equal(slots.body.slots.length, 60);
    assert.ok(slots.body.slots.every((s: { seenByCameras: string[] }) => s.seenByCameras.length >= 1));
  });

  test('the staff overview shows the running pipeline’s cameras and the locator link', async () => {
    const { status, body } = await get('/api/staff/room');
    assert.equal(status, 200);
    assert.equal(body.roomId, 'demo');
    assert.equal(body.slots.length, 60);
    assert.equal(body.cameraHealthSource, 'pipeline');
    assert.deepEqual(
      body.cameras.map((c: { live: { cameraId: string } }) => c.live.cameraId),
      ['cam-1', 'cam-2', 'cam-3'],
    );
    assert.notEqual(body.controller.linkState, 'not_configured', 'the demo runs a simulated locator');
  });

  test('an unknown room or package is a 404 with a message', async () => {
    assert.deepEqual((await get('/api/rooms/nowhere')).body, {
      error: { code: 'not_found', message: 'room nowhere does not exist' },
    });
    assert.equal((await get('/api/rooms/nowhere/slots')).status, 404);
    assert.equal((await get('/api/packages/5b0f3c1e-9a51-4c55-9f3e-0d6f4a0c1b2a')).status, 404);
  });

  test('malformed ids and query parameters are refused with the field named', async () => {
    const badId = await get('/api/packages/not-a-uuid');
    assert.equal(badId.status, 400);
    assert.equal(badId.body.error.code, 'invalid_request');
    assert.match(badId.body.error.message, /^packageId: must be a package id/);
    const badState = await get('/api/packages?state=lost-in-space');
    assert.equal(badState.status, 400);
    assert.match(badState.body.error.message, /^state: must be one of awaiting_placement, placed/);
    const badLimit = await get('/api/packages?limit=5000');
    assert.match(badLimit.body.error.message, /^limit: must be between 1 and 200/);
    const unknownParam = await get('/api/packages?colour=red');
    assert.equal(unknownParam.status, 400);
  });

  test('packages page newest first with a cursor', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++)
      ids.push(
        (await service.store.packages.register({ roomId: 'demo', trackingNumber: `TBA00000000000${i}` })).id,
      );
    const first = await get('/api/packages?limit=2');
    assert.deepEqual(
      first.body.packages.map((p: { id: string }) => p.id),
      [ids[2], ids[1]],
    );
    const second = await get(`/api/packages?limit=2&before=${first.body.next.before}`);
    assert.deepEqual(
      second.body.packages.map((p: { id: string }) => p.id),
      [ids[0]],
    );
    assert.equal(second.body.next, null);
    const byState = await get('/api/packages?state=awaiting_placement&trackingNumber=TBA000000000001');
    assert.deepEqual(
      byState.body.packages.map((p: { id: string }) => p.id),
      [ids[1]],
    );
  });

  test('malformed and oversized bodies get a 4xx without internals', async () => {
    const malformed = await fetch(`${service.url}/api/packages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"oops":',
    });
    assert.equal(malformed.status, 400);
    assert.deepEqual(await malformed.json(), {
      error: { code: 'malformed_json', message: 'request body is not valid JSON' },
    });
    const huge = await fetch(`${service.url}/api/packages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ blob: 'x'.repeat(10_000) }),
    });
    assert.equal(huge.status, 413);
    assert.equal(((await huge.json()) as any).error.code, 'payload_too_large');
  });

  test('unknown routes are JSON 404s and responses carry security headers', async () => {
    const { status, headers, body } = await get('/api/nothing-here');
    assert.equal(status, 404);
    assert.equal(body.error.code, 'not_found');
    assert.equal(headers.get('x-content-type-options'), 'nosniff');
    assert.equal(headers.get('x-powered-by'), null);
  });

  test('the readiness probe reports the database unreachable once the store is closed', async () => {
    const { status } = await get('/readyz');
    assert.equal(status, 200);
    await service.stop();
    // After stop the HTTP server is closed too; readiness on a closed pool is checked via the store.
    assert.equal(await service.store.ping(500), false);
  });
});
