import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createStore, migrateToLatest, migrationsDir, openDatabase } from '../../services/store/index.ts';
import { type BackendKind, createScratchBackend, type ScratchBackend } from '../support/databases.ts';
import { runCli, type ServiceProcess, startServiceProcess } from '../support/service-process.ts';

async function getJson(url: string, cookie?: string): Promise<{ status: number; body: any }> {
  const response = await fetch(url, cookie ? { headers: { cookie } } : {});
  return { status: response.status, body: await response.json() };
}

/** The room API is for staff: signs in and returns the session cookie. */
async function signIn(url: string, password: string): Promise<string> {
  const response = await fetch(`${url}/staff/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password }),
  });
  assert.equal(response.status, 200, 'the printed password signs in');
  return response.headers.get('set-cookie')!.split(';')[0]!;
}

async function printedPassword(service: ServiceProcess): Promise<string> {
  return (await service.waitForStderr(/password: (\S+)/))[1]!;
}

for (const kind of ['embedded', 'server'] as BackendKind[]) {
  describe(`the service process on the ${kind} database`, () => {
    let backend: ScratchBackend;
    let env: Record<string, string>;
    let staffPassword = '';

    before(async () => {
      backend = await createScratchBackend(kind);
      env = backend.settings.url
        ? { DATABASE_URL: backend.settings.url }
        : { PARCELROOM_DATA_DIR: backend.settings.dataDir };
    });
    after(async () => backend?.dispose());

    test('first start serves health, readiness, metrics and the demo room, prints the staff password once, and stops cleanly on SIGTERM', async () => {
      const service = await startServiceProcess(env);
      try {
        assert.deepEqual(await getJson(`${service.url}/healthz`), { status: 200, body: { status: 'ok' } });
        const ready = await getJson(`${service.url}/readyz`);
        assert.equal(ready.status, 200);
        assert.equal(ready.body.checks.database, 'ok');
        // The demo's hardware link and cameras are reported, but do not decide readiness.
        assert.ok(
          ['connecting', 'up', 'down'].includes(ready.body.checks.hwController),
          ready.body.checks.hwController,
        );
        assert.deepEqual(Object.keys(ready.body.checks.cameras).sort(), ['cam-1', 'cam-2', 'cam-3']);

        const metrics = await (await fetch(`${service.url}/metrics`)).text();
        assert.match(metrics, /parcelroom_process_cpu_seconds_total/);
        // Every migration file counts; the number grows as the schema does.
        const migrationFiles = readdirSync(migrationsDir).filter((f) => f.endsWith('.sql')).length;
        assert.match(metrics, new RegExp(`parcelroom_db_migrations_applied ${migrationFiles}\\b`));
        assert.match(
          metrics,
          /parcelroom_http_requests_total\{method="GET",route="\/readyz",status="200"\} 1/,
        );

        assert.equal((await getJson(`${service.url}/api/rooms`)).status, 401, 'the room API is for staff');
        staffPassword = await printedPassword(service);
        const rooms = await getJson(`${service.url}/api/rooms`, await signIn(service.url, staffPassword));
        assert.equal(rooms.body.rooms.length, 1);
        assert.equal(rooms.body.rooms[0].slotCount, 60);
        assert.equal(rooms.body.rooms[0].unitCount, 3);
        assert.equal(rooms.body.rooms[0].cameraCount, 3);

        const banner = service.stderr();
        assert.match(banner, /Staff login {3}user: admin {3}password: [A-Za-z0-9_-]{20}/);
        // The credentials and then the addresses to open close the start-up, once the room runs.
        const summary = await service.waitForStderr(/Parcelroom is running\. Open:\n[\s\S]*?\n\n/);
        assert.ok(banner.indexOf('Staff login') < summary.index, 'the credentials come before the addresses');
        assert.match(summary[0], new RegExp(`Kiosk +${service.url}/kiosk\n`));
        assert.match(summary[0], new RegExp(`Staff review +${service.url}/staff\n`));
        assert.match(summary[0], /Demo control panel +http:\/\/127\.0\.0\.1:\d+\/demo\n/);
        assert.match(service.stdout(), /"msg":"room running"/, 'the summary follows "room running"');
        // Through a pipe the log stays JSON lines, one object a line, for whatever reads it.
        for (const line of service.stdout().split('\n').slice(0, -1)) JSON.parse(line);
        assert.doesNotMatch(
          service.stdout(),
          /password: [A-Za-z0-9_-]{20}/,
          'the password never reaches the log',
        );
      } finally {
        assert.equal(await service.stop(), 0);
      }
      assert.match(service.stdout(), /"msg":"stopped"/);
    });

    test('a restart keeps every record and prints no new password', async () => {
      // Add a package while the service is down, through the store, as another tool would.
      const db = await openDatabase(backend.settings);
      await migrateToLatest(db);
      const store = createStore(db);
      const [resident] = await store.people.listResidents();
      const residentsBefore = await store.people.countResidents();
      const pkg = await store.packages.register({
        roomId: 'demo',
        residentId: resident!.id,
        carrier: 'UPS',
        trackingNumber: '1Z999AA10123456784',
      });
      await store.packages.recordPlacement({
        packageId: pkg.id,
        slotId: 'B3-2',
        cameraId: 'cam-2',
        confidence: 0.91,
        observedAt: new Date(),
      });
      await db.close();

      const service = await startServiceProcess(env);
      try {
        await service.waitForStderr(/Parcelroom is running\. Open:/);
        assert.doesNotMatch(service.stderr(), /password/);
        const cookie = await signIn(service.url, staffPassword);
        const listed = await getJson(`${service.url}/api/packages`, cookie);
        assert.deepEqual(
          listed.body.packages.map((p: { id: string }) => p.id),
          [pkg.id],
        );
        const one = await getJson(`${service.url}/api/packages/${pkg.id}`, cookie);
        assert.equal(one.body.package.slotId, 'B3-2');
        assert.equal(one.body.package.recipient.apartment, resident!.apartment);
        const slots = await getJson(`${service.url}/api/rooms/demo/slots`, cookie);
        assert.deepEqual(slots.body.slots.find((s: { id: string }) => s.id === 'B3-2').packageIds, [pkg.id]);
      } finally {
        assert.equal(await service.stop(), 0);
      }

      const reopened = await openDatabase(backend.settings);
      try {
        assert.equal(
          await createStore(reopened).people.countResidents(),
          residentsBefore,
          'demo residents are not seeded twice',
        );
        const { rows } = await reopened.query<{ count: number }>(
          "SELECT count(*)::int AS count FROM events WHERE type = 'service.started'",
        );
        assert.equal(rows[0]!.count, 2);
      } finally {
        await reopened.close();
      }
    });
  });
}

describe('the parcelroom command', () => {
  test('--help lists the subcommands', async () => {
    const { code, stdout } = await runCli(['--help']);
    assert.equal(code, 0);
    for (const command of ['start', 'migrate', 'layout', 'config'])
      assert.match(stdout, new RegExp(`^  ${command}\\b`, 'm'));
  });

  test('a bad setting stops the start with one line naming it', async () => {
    const { code, stderr } = await runCli(['start'], {
      PORT: 'eighty',
      PARCELROOM_DATA_DIR: join('/tmp', 'never-created'),
    });
    assert.equal(code, 2);
    assert.equal(
      stderr.trim(),
      'parcelroom: config: PORT must be an integer between 0 and 65535 (got "eighty")',
    );
  });

  test('a broken layout file stops the start before any database is opened', async () => {
    const dataDir = join('/tmp', `parcelroom-never-${process.pid}`);
    const { code, stderr } = await runCli(['start'], {
      PARCELROOM_LAYOUT: 'tests/calibration/no-such-layout.yaml',
      PARCELROOM_DATA_DIR: dataDir,
    });
    assert.equal(code, 2);
    assert.match(stderr, /no-such-layout\.yaml/);
    const { existsSync } = await import('node:fs');
    assert.equal(existsSync(dataDir), false);
  });

  test('an unreachable database server is reported with what to check', async () => {
    const { code, stderr } = await runCli(['migrate'], {
      DATABASE_URL: 'postgres://postgres@127.0.0.1:1/nowhere',
    });
    assert.equal(code, 2);
    assert.match(
      stderr,
      /cannot reach PostgreSQL at postgres:\/\/postgres@127\.0\.0\.1:1\/nowhere: .*check DATABASE_URL/,
    );
  });

  test('layout check passes the demo room and prints its summary', async () => {
    const { code, stdout } = await runCli(['layout', 'check', 'calibration/rooms/demo-room.yaml']);
    assert.equal(code, 0, stdout);
    assert.match(stdout, /60 slots/);
  });
});
