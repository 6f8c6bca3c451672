import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import type { ServerMessage } from '../../services/kiosk/index.ts';
import { KioskClient } from '../services/kiosk/kiosk-harness.ts';
import { type PrivatePostgres, startPrivatePostgres } from '../support/private-postgres.ts';
import { logLines, type ServiceProcess, startServiceProcess } from '../support/service-process.ts';
import { until } from '../support/wait-until.ts';

const token = 'outage-test-kiosk-token-0123456789abcdef';

/**
 * The real service process over a PostgreSQL server of the test's own, which the test restarts
 * (2 s) and takes away (60 s) in the middle of a delivery and of a pickup, as a building's
 * database host rebooting would. The process must live, the kiosk say "one moment" and recover
 * by itself, and every acknowledged fact and every observation be in the database afterwards.
 */
describe('the service through PostgreSQL restarts and outages', () => {
  let server: PrivatePostgres;
  let service: ServiceProcess;
  let simulatorUrl: string;
  let kiosk: KioskClient;
  let db: pg.Pool;
  let dropDir: string;
  let residents: Array<{ id: string; phone: string }>;
  let nextResident = 0;
  // Slots used in turn, so that every test places on a free one.
  const slots = ['A1-1', 'B2-2', 'C3-3', 'A4-2', 'B1-4', 'C2-1', 'A3-3', 'B4-1'];

  const request = async (message: Record<string, unknown>) => kiosk.request(message);
  const pushed = (match: (m: ServerMessage) => boolean, since: number, what: string) =>
    until(what, () => kiosk.received.slice(since).find((m) => m.replyTo === undefined && match(m))).catch(
      (error: Error) => {
        // What the kiosk and the service said instead: the first thing to read when this fails.
        error.message += `\nkiosk got: ${JSON.stringify(kiosk.received.slice(since))}\nservice log:\n${service.stdout().slice(-4000)}`;
        throw error;
      },
    );
  const scene = (action: 'place' | 'take', slotId: string) =>
    fetch(`${simulatorUrl}/scene/${action}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ slotId }),
    }).then((r) => assert.equal(r.status, 202, `simulator ${action} ${slotId}`));
  const packageRow = async (id: string) =>
    (
      await db.query<{ state: string; slot_id: string | null }>(
        'SELECT state, slot_id FROM packages WHERE id = $1',
        [id],
      )
    ).rows[0];
  const readiness = async () => {
    const res = await fetch(`${service.url}/readyz`);
    return { status: res.status, body: (await res.json()) as { reason?: { database?: string } } };
  };
  const alive = () => {
    assert.equal(service.child.exitCode, null, `the service exited:\n${service.stderr().slice(-2000)}`);
    assert.equal(service.child.signalCode, null);
    assert.deepEqual(logLines(service, 'unhandled rejection: a bug, the service carries on'), []);
  };

  /** A courier registers a package for the next resident and the simulator puts it on `slotId`. */
  const deliver = async (slotId: string) => {
    const resident = residents[nextResident++ % residents.length]!;
    assert.equal((await request({ type: 'courier_login', rfid: '0004512345' })).type, 'session');
    const packageId = await register(resident.id);
    const since = kiosk.received.length;
    await scene('place', slotId);
    const placed = await pushed(
      (m) => m.type === 'placed' && m.package.packageId === packageId,
      since,
      `the placement of ${packageId}`,
    );
    assert.equal((placed as Extract<ServerMessage, { type: 'placed' }>).package.slotId, slotId);
    assert.equal((await request({ type: 'session_end' })).type, 'session');
    return { packageId, resident };
  };
  const register = async (residentId: string) => {
    const reading = (await request({ type: 'tracking_typed', trackingNumber: '1Z999AA10123456784' })) as {
      type: string;
      readingId: string;
    };
    assert.equal(reading.type, 'label_reading', JSON.stringify(reading));
    const awaiting = await request({ type: 'recipient_confirm', readingId: reading.readingId, residentId });
    assert.equal(awaiting.type, 'awaiting_placement', JSON.stringify(awaiting));
    return (awaiting as { packageId: string }).packageId;
  };
  /** The pickup PIN from the text message the resident got for this slot. */
  const pinFor = (phone: string, slotId: string) =>
    until(`the text to ${phone} about ${slotId}`, () => {
      const folder = join(dropDir, 'sms');
      let files: string[] = [];
      try {
        files = readdirSync(folder).filter((f) => f.endsWith('.sms.txt'));
      } catch {
        return undefined;
      }
      const [, unit, level] = /^([A-Z])(\d)-/.exec(slotId)!;
      for (const file of files) {
        const text = readFileSync(join(folder, file), 'utf8');
        if (!text.startsWith(`To: ${phone}\n`) || !text.includes(`Shelf ${unit}, level ${level}`)) continue;
        const pin = /PIN ([\d ]+\d)/.exec(text)?.[1];
        if (pin) return pin.replace(/\s/g, '');
      }
      return undefined;
    });

  /** Takes the database away for `downMs` while `during` runs; returns when it is back. */
  const outage = async (downMs: number, during: () => Promise<void>) => {
    const since = kiosk.received.length;
    const down = Date.now();
    await server.stop('fast');
    // The service notices by itself (its heartbeat) and every kiosk is told.
    const status = await pushed(
      (m) => m.type === 'service_status' && m.database === 'unavailable',
      since,
      'the kiosk told the records are unreachable',
    );
    assert.match((status as { message: string }).message, /One moment/);
    const ready = await readiness();
    assert.equal(ready.status, 503);
    assert.match(ready.body.reason?.database ?? '', /connect|shutting down|terminated/i);
    await during();
    const left = downMs - (Date.now() - down);
    if (left > 0) await new Promise((resolve) => setTimeout(resolve, left));
    alive();
    const back = kiosk.received.length;
    await server.start();
    await pushed(
      (m) => m.type === 'service_status' && m.database === 'ok',
      back,
      'the kiosk told the records are back',
    );
    await until('ready again', async () => ((await readiness()).status === 200 ? true : undefined));
  };

  /** While the database is away, a courier's confirmation is refused clearly and changes nothing. */
  const refusedWhileAway = async (residentId: string) => {
    const reading = await request({ type: 'tracking_typed', trackingNumber: '1Z999AA10123456784' });
    const answer =
      reading.type === 'label_reading'
        ? await request({
            type: 'recipient_confirm',
            readingId: (reading as { readingId: string }).readingId,
            residentId,
          })
        : reading;
    assert.equal(answer.type, 'error', JSON.stringify(answer));
    assert.equal((answer as { code: string }).code, 'unavailable');
    assert.match((answer as { message: string }).message, /One moment/);
  };

  before(async () => {
    server = await startPrivatePostgres();
    dropDir = mkdtempSync(join(tmpdir(), 'parcelroom-outage-mail-'));
    service = await startServiceProcess({
      DATABASE_URL: server.url(),
      PARCELROOM_KIOSK_DEVICES: `kiosk-1:${token}`,
      PARCELROOM_KIOSK_SECRET: 'outage-test-secret-0123456789abcdef0123456789',
      PARCELROOM_LINK_SECRET: 'outage-test-link-secret-0123456789',
      PARCELROOM_SIMULATOR_SCENARIO: 'live',
      PARCELROOM_MAIL_DROP_DIR: dropDir,
      PARCELROOM_NOTIFY_POLL_MS: '200',
      PARCELROOM_OCR_LINE_ENGINE: 'none',
      PARCELROOM_OCR_WORKERS: '1',
    });
    await until('the room running', () => (logLines(service, 'room running').length ? true : undefined));
    simulatorUrl = logLines(service, 'simulated cameras streaming')[0]!.url as string;
    kiosk = await KioskClient.authenticated(
      `${service.url.replace(/^http/, 'ws')}/kiosk/ws`,
      'kiosk-1',
      token,
    );
    db = new pg.Pool({ connectionString: server.url(), max: 2 });
    db.on('error', () => undefined);
    residents = (
      await db.query<{ id: string; phone: string }>(
        'SELECT id, phone FROM residents WHERE phone IS NOT NULL ORDER BY apartment LIMIT 8',
      )
    ).rows;
    assert.ok(residents.length >= 4, 'the demo seeds residents with phones');
  });
  after(async () => {
    kiosk?.ws.terminate();
    if (service && service.child.exitCode === null && service.child.signalCode === null) {
      const exited = once(service.child, 'exit');
      service.child.kill('SIGKILL');
      await exited;
    }
    await db?.end().catch(() => undefined);
    await server?.remove();
    if (dropDir) rmSync(dropDir, { recursive: true, force: true });
  });

  for (const [name, downMs] of [
    ['a 2 s restart', 2_000],
    ['a 60 s outage', 60_000],
  ] as const) {
    test(`${name} during a delivery: the package placed meanwhile is recorded and shown, the kiosk recovers by itself`, async () => {
      const slotId = slots.shift()!;
      const resident = residents[nextResident++ % residents.length]!;
      assert.equal((await request({ type: 'courier_login', rfid: '0004512345' })).type, 'session');
      const packageId = await register(resident.id);
      const since = kiosk.received.length;
      const heldBefore = logLines(
        service,
        'database unavailable: observations are held and committed in order when it is back',
      ).length;

      await outage(downMs, async () => {
        await refusedWhileAway(resident.id);
        // The courier puts the package on the shelf while the database is away: the cameras see it.
        await scene('place', slotId);
        await until('the observation held', () =>
          logLines(
            service,
            'database unavailable: observations are held and committed in order when it is back',
          ).length > heldBefore
            ? true
            : undefined,
        );
      });

      const placed = (await pushed(
        (m) => m.type === 'placed' && m.package.packageId === packageId,
        since,
        'the kiosk shown the placement made during the outage',
      )) as Extract<ServerMessage, { type: 'placed' }>;
      assert.equal(placed.package.slotId, slotId);
      assert.deepEqual(await packageRow(packageId), { state: 'placed', slot_id: slotId });
      // Nothing of the refused confirmation landed: one package for this resident, the placed one.
      const theirs = await db.query<{ id: string }>('SELECT id FROM packages WHERE resident_id = $1', [
        resident.id,
      ]);
      assert.deepEqual(
        theirs.rows.map((r) => r.id),
        [packageId],
      );
      // The same kiosk carries on: another package, registered and placed.
      const next = await register(resident.id);
      const nextSlot = slots.shift()!;
      const beforeNext = kiosk.received.length;
      await scene('place', nextSlot);
      await pushed(
        (m) => m.type === 'placed' && m.package.packageId === next,
        beforeNext,
        'a placement after the outage',
      );
      assert.equal((await request({ type: 'session_end' })).type, 'session');
      alive();
    });

    test(`${name} during a pickup: the package taken meanwhile is recorded as picked up and the laser goes off`, async () => {
      const slotId = slots.shift()!;
      const { packageId, resident } = await deliver(slotId);
      const pin = await pinFor(resident.phone, slotId);
      const started = await request({ type: 'resident_login', pin });
      assert.equal(started.type, 'pickup_started', JSON.stringify(started));
      const since = kiosk.received.length;

      await outage(downMs, async () => {
        // A second resident's PIN while the database is away: "one moment", not a wrong PIN.
        const other = await request({ type: 'resident_login', pin: '0'.repeat(pin.length) });
        assert.equal(other.type, 'error');
        assert.ok(
          ['unavailable', 'session_open'].includes((other as { code: string }).code),
          JSON.stringify(other),
        );
        await scene('take', slotId);
        await until('the take seen', async () =>
          logLines(service, 'ledger commit failed: the database is unavailable').some(
            (l) => l.input === 'observed',
          ) ||
          logLines(
            service,
            'database unavailable: observations are held and committed in order when it is back',
          ).length
            ? true
            : undefined,
        );
      });

      await pushed(
        (m) => m.type === 'picked_up' && m.packageId === packageId,
        since,
        'the kiosk told the package was picked up',
      );
      await pushed((m) => m.type === 'locator' && m.state === 'off', since, 'the laser off');
      assert.equal((await packageRow(packageId))?.state, 'picked_up');
      const pickups = await db.query<{ slot_id: string }>(
        'SELECT slot_id FROM pickups WHERE package_id = $1',
        [packageId],
      );
      assert.deepEqual(
        pickups.rows.map((r) => r.slot_id),
        [slotId],
        'one pickup, from the slot it was taken from',
      );
      alive();
    });
  }

  test('the acknowledged facts are all in the database and nothing was lost without a flag', async () => {
    const { rows } = await db.query<{ state: string; n: number }>(
      'SELECT state, count(*)::int AS n FROM packages GROUP BY state ORDER BY state',
    );
    // Per outage: a delivery test places two, a pickup test places one and picks it up.
    assert.deepEqual(rows, [
      { state: 'picked_up', n: 2 },
      { state: 'placed', n: 4 },
    ]);
    const mismatches = await db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM flags WHERE kind = 'state_mismatch'",
    );
    assert.equal(mismatches.rows[0]!.n, 0, 'no observation was dropped, so the room needed no re-check');
    alive();
    assert.equal(await service.stop(), 0, 'and it still stops cleanly');
  });
});
