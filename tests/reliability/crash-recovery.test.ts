import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import type { ServerMessage } from '../../services/kiosk/index.ts';
import { KioskClient } from '../services/kiosk/kiosk-harness.ts';
import { createScratchDatabase, type ScratchDatabase } from '../support/databases.ts';
import { type ServiceProcess, startServiceProcess } from '../support/service-process.ts';

const token = 'crash-test-kiosk-token-0123456789abcdef';

/** The JSON log line carrying `msg`, once the service has written it. */
async function logLine(
  service: ServiceProcess,
  msg: string,
  timeoutMs = 90_000,
): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const line = service
      .stdout()
      .split('\n')
      .find((l) => l.includes(`"msg":"${msg}"`));
    if (line) return JSON.parse(line) as Record<string, unknown>;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(
    `the service did not log "${msg}"\n${service.stdout().slice(-3000)}\n${service.stderr().slice(-2000)}`,
  );
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${what} did not happen in time`);
}

/** The sim hw daemons a killed service had started (found by its simulator URL), to clean up. */
function daemonsOf(simulatorUrl: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (args.includes('hw-controller') && args.includes(simulatorUrl)) pids.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return pids;
}

describe('crash recovery: the service killed with SIGKILL in the middle of a delivery', () => {
  let scratch: ScratchDatabase;
  let db: pg.Client;
  const services: ServiceProcess[] = [];
  const simulatorUrls: string[] = [];
  const clients: KioskClient[] = [];

  const start = async () => {
    const service = await startServiceProcess(
      {
        DATABASE_URL: scratch.url,
        PARCELROOM_KIOSK_DEVICES: `kiosk-1:${token}`,
        PARCELROOM_KIOSK_SECRET: 'crash-test-secret-0123456789abcdef0123456789',
        PARCELROOM_SIMULATOR_SCENARIO: 'live',
        PARCELROOM_NOTIFICATIONS: 'false',
        PARCELROOM_OCR_LINE_ENGINE: 'none',
        PARCELROOM_OCR_WORKERS: '1',
      },
      120_000,
    );
    services.push(service);
    await logLine(service, 'room running');
    const simulatorUrl = (await logLine(service, 'simulated cameras streaming')).url as string;
    simulatorUrls.push(simulatorUrl);
    const c = await KioskClient.authenticated(
      `${service.url.replace(/^http/, 'ws')}/kiosk/ws`,
      'kiosk-1',
      token,
    );
    clients.push(c);
    return { service, simulatorUrl, kiosk: c };
  };
  const register = async (c: KioskClient, residentId: string, trackingNumber: string) => {
    const reading = (await c.request({ type: 'tracking_typed', trackingNumber })) as Extract<
      ServerMessage,
      { type: 'label_reading' }
    >;
    const awaiting = await c.request({ type: 'recipient_confirm', readingId: reading.readingId, residentId });
    assert.equal(awaiting.type, 'awaiting_placement', JSON.stringify(awaiting));
    return (awaiting as { packageId: string }).packageId;
  };
  const place = (simulatorUrl: string, slotId: string) =>
    fetch(`${simulatorUrl}/scene/place`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ slotId }),
    }).then((r) => assert.equal(r.status, 202));
  const packageRow = async (id: string) =>
    (
      await db.query<{ state: string; slot_id: string | null; resident_id: string | null }>(
        'SELECT state, slot_id, resident_id FROM packages WHERE id = $1',
        [id],
      )
    ).rows[0];

  before(async () => {
    scratch = await createScratchDatabase();
    db = new pg.Client({ connectionString: scratch.url });
    await db.connect();
  });
  after(async () => {
    for (const c of clients) c.ws.terminate();
    for (const s of services) {
      if (s.child.exitCode === null && s.child.signalCode === null) {
        const exited = once(s.child, 'exit');
        s.child.kill('SIGKILL');
        await exited;
      }
    }
    for (const url of simulatorUrls)
      for (const pid of daemonsOf(url)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Gone already.
        }
      }
    await db?.end();
    await scratch?.drop();
  });

  test("the next courier's parcel is recorded for its own resident; the interrupted one is flagged never_placed", async () => {
    const first = await start();
    const [residentA, residentB] = (
      await db.query<{ id: string }>('SELECT id FROM residents ORDER BY apartment LIMIT 2')
    ).rows.map((r) => r.id);
    // Courier 1 registers a package for resident A; the service dies before anyone places it.
    assert.equal((await first.kiosk.request({ type: 'courier_login', rfid: '0004512345' })).type, 'session');
    const packageA = await register(first.kiosk, residentA!, '1Z999AA10123456784');
    first.service.child.kill('SIGKILL');
    await once(first.service.child, 'exit');
    assert.deepEqual(await packageRow(packageA), {
      state: 'awaiting_placement',
      slot_id: null,
      resident_id: residentA,
    });

    const second = await start();
    const closed = await logLine(second.service, 'room ledger closed what the previous process left open');
    assert.deepEqual([closed.deliveriesAbandoned, closed.neverPlaced], [1, 1]);
    // Courier 2 registers a package for resident B and puts it on a shelf.
    assert.equal((await second.kiosk.request({ type: 'courier_login', rfid: '0004598765' })).type, 'session');
    const packageB = await register(second.kiosk, residentB!, 'TBA123456789012');
    const since = second.kiosk.received.length;
    await place(second.simulatorUrl, 'B2-2');
    const placed = (await second.kiosk.wait(
      (m) => m.type === 'placed' && second.kiosk.received.indexOf(m) >= since,
      90_000,
    )) as Extract<ServerMessage, { type: 'placed' }>;
    assert.equal(placed.package.packageId, packageB, "the kiosk shows courier 2's own package");
    assert.deepEqual(
      await until('the placement of B', async () => {
        const row = await packageRow(packageB);
        return row?.state === 'placed' ? row : undefined;
      }),
      { state: 'placed', slot_id: 'B2-2', resident_id: residentB },
    );

    // B gets the "waiting" message (and its PIN), A gets nothing.
    const { rows: outbox } = await db.query<{ resident: string; package: string; template: string }>(
      `SELECT payload->>'residentId' AS resident, payload->>'packageId' AS package, template
       FROM notification_outbox ORDER BY id`,
    );
    assert.ok(outbox.length > 0, 'the placement is announced');
    assert.deepEqual(
      [...new Set(outbox.map((o) => `${o.template}:${o.resident}:${o.package}`))],
      [`package_placed:${residentB}:${packageB}`],
    );
    const { rows: credentials } = await db.query<{ package_id: string }>(
      'SELECT package_id FROM pickup_credentials',
    );
    assert.deepEqual(
      credentials.map((c) => c.package_id),
      [packageB],
      'only B has a pickup PIN',
    );

    // A's package is not lost: still registered, waiting, and flagged for staff with its evidence.
    assert.deepEqual(await packageRow(packageA), {
      state: 'awaiting_placement',
      slot_id: null,
      resident_id: residentA,
    });
    const { rows: flags } = await db.query<{
      kind: string;
      status: string;
      package_id: string;
      evidence: { details: Record<string, unknown> };
    }>(`SELECT kind, status, package_id, evidence FROM flags WHERE kind = 'never_placed'`);
    assert.equal(flags.length, 1);
    assert.equal(flags[0]!.package_id, packageA);
    assert.equal(flags[0]!.status, 'open');
    const { details } = flags[0]!.evidence;
    assert.equal(details.reason, 'delivery_abandoned');
    assert.equal(details.residentId, residentA);
    assert.ok(typeof details.courierId === 'string', 'the flag names the courier');
    assert.equal((details.label as { trackingNumber: string }).trackingNumber, '1Z999AA10123456784');
    const { rows: sessions } = await db.query<{ end_reason: string | null }>(
      'SELECT end_reason FROM delivery_sessions ORDER BY started_at',
    );
    assert.deepEqual(
      sessions.map((s) => s.end_reason),
      ['abandoned', null],
    );
    const { rows: events } = await db.query<{ type: string }>(
      `SELECT type FROM events WHERE package_id = $1 ORDER BY id`,
      [packageA],
    );
    assert.ok(events.some((e) => e.type === 'package.awaiting_placement'));
    assert.ok(!events.some((e) => e.type === 'package.placed'));
    const { rows: otherFlags } = await db.query<{ kind: string }>(
      `SELECT kind FROM flags WHERE kind <> 'never_placed'`,
    );
    assert.deepEqual(otherFlags, [], 'nothing else was flagged');
  });
});
