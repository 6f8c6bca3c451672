import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import type { LoginLimitSettings, ServerMessage } from '../../../services/kiosk/index.ts';
import {
  deviceToken,
  KioskClient,
  type KioskWorld,
  observation,
  openKioskWorld,
  otherDeviceToken,
} from './kiosk-harness.ts';

const errorCode = (m: ServerMessage) => (m.type === 'error' ? m.code : `not an error: ${m.type}`);
const tokenOf = (deviceId: string) => (deviceId === 'kiosk-1' ? deviceToken : otherDeviceToken);

/** Polls `check` until it returns a value, failing after a deadline generous for a busy machine. */
async function eventually<T>(what: string, check: () => Promise<T | undefined>, deadlineMs = 60_000) {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`not in time: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The kiosk's login tries so far, by kind and outcome, from its metrics. */
async function triesCounted(w: KioskWorld, kind: 'courier' | 'resident') {
  const metric = await w.registry.getSingleMetric('parcelroom_kiosk_login_tries_total')!.get();
  const of = (outcome: string) =>
    metric.values.find((v) => v.labels.kind === kind && v.labels.outcome === outcome)?.value ?? 0;
  return { checked: of('checked'), refused: of('refused'), right: of('right') };
}

/**
 * An attacker's burst: `count` sockets of one device opened at once, each sending hello and its
 * login without waiting for anything. Sockets of one device replace each other, so replies may
 * go to another socket; what was checked is read from the kiosk's count, not from the replies.
 */
async function burst(w: KioskWorld, deviceId: string, count: number, login: (i: number) => object) {
  const sockets = await Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const ws = new WebSocket(w.wsUrl);
      await once(ws, 'open');
      ws.on('error', () => undefined);
      ws.send(JSON.stringify({ type: 'hello', protocol: 1, deviceId, token: tokenOf(deviceId) }));
      ws.send(JSON.stringify({ ...login(i), id: `burst-${i}` }));
      return ws;
    }),
  );
  return {
    async close() {
      for (const ws of sockets) ws.terminate();
    },
  };
}

/** Registers and places one package for each resident through kiosk-2; returns their pickup PINs. */
async function placePackages(w: KioskWorld, residentIds: string[], slots: string[]): Promise<string[]> {
  const c = await KioskClient.authenticated(w.wsUrl, 'kiosk-2', otherDeviceToken);
  const session = await c.request({ type: 'courier_login', pin: w.seeded.courierPins[3]!.pin });
  assert.equal(session.type, 'session', JSON.stringify(session));
  const pins: string[] = [];
  for (const [i, residentId] of residentIds.entries()) {
    const reading = await c.request({ type: 'tracking_typed', trackingNumber: '1Z999AA10123456784' });
    const { readingId } = reading as Extract<ServerMessage, { type: 'label_reading' }>;
    const awaiting = await c.request({ type: 'recipient_confirm', readingId, residentId });
    const { packageId } = awaiting as Extract<ServerMessage, { type: 'awaiting_placement' }>;
    const since = c.received.length;
    await w.ledger.observe(observation('appeared', slots[i]!));
    await c.next('placed', since);
    const { rows } = await w.db.query<{ payload: { pickupPin: string } }>(
      `SELECT o.payload FROM notification_outbox o JOIN events e ON e.id = o.event_id
       WHERE e.package_id = $1 AND o.template = 'package_placed' LIMIT 1`,
      [packageId],
    );
    pins.push(rows[0]!.payload.pickupPin);
  }
  await c.request({ type: 'session_end' });
  await c.close();
  return pins;
}

const sessionCounts = async (w: KioskWorld) => {
  const { rows } = await w.db.query<{ deliveries: number; pickups: number }>(
    `SELECT (SELECT count(*) FROM delivery_sessions)::int AS deliveries,
            (SELECT count(*) FROM pickup_sessions)::int AS pickups`,
  );
  return rows[0]!;
};

const storedTries = async (w: KioskWorld, deviceId: string, kind: string) => {
  const { rows } = await w.db.query<{ tries: number; locked_until: Date }>(
    'SELECT tries, locked_until FROM kiosk_login_limits WHERE device_id = $1 AND kind = $2',
    [deviceId, kind],
  );
  return rows[0];
};

/** Three free tries and a long wait after the fourth: a burst must get exactly four checked. */
const strict: LoginLimitSettings = {
  freeTries: 3,
  firstBackoffMs: 60_000,
  maxBackoffMs: 60_000,
  forgetOneTryMs: 600_000,
};

describe('kiosk logins under a race of hundreds of sockets', () => {
  let w: KioskWorld;
  let pins: string[];
  const clients: KioskClient[] = [];

  before(async () => {
    w = await openKioskWorld({ limits: strict });
    const residents = await w.store.people.listResidents();
    pins = await placePackages(
      w,
      [residents[0]!.id, residents[1]!.id, residents[2]!.id],
      ['A1-1', 'A1-2', 'A1-3'],
    );
  });
  after(async () => {
    for (const c of clients) await c.close();
    await w?.close();
  });

  test('300 sockets of one kiosk with a wrong pickup PIN each at once get exactly 4 PINs checked', async () => {
    const before = await sessionCounts(w);
    const attack = await burst(w, 'kiosk-1', 300, (i) => ({
      type: 'resident_login',
      pin: String(1_000_000_000 + i),
    }));
    const counted = await eventually('all 300 tries decided', async () => {
      const t = await triesCounted(w, 'resident');
      return t.checked + t.refused >= 300 ? t : undefined;
    });
    await attack.close();
    assert.equal(counted.checked, 4, `checked ${counted.checked}, refused ${counted.refused}`);
    assert.equal(counted.refused, 296);
    assert.equal((await storedTries(w, 'kiosk-1', 'resident'))!.tries, 4);
    assert.deepEqual(await sessionCounts(w), before);
  });

  test("another resident's right PIN works at once at another kiosk while this one waits", async () => {
    const c = await KioskClient.authenticated(w.wsUrl, 'kiosk-2', otherDeviceToken);
    clients.push(c);
    const started = await c.request({ type: 'resident_login', pin: pins[0]! });
    assert.equal(started.type, 'pickup_started', JSON.stringify(started));
    await c.request({ type: 'session_end' });
  });

  test('right PINs racing at the waiting kiosk are all refused with the wait and open no pickup', async () => {
    const before = await sessionCounts(w);
    const { checked: checkedBefore, refused: refusedBefore } = await triesCounted(w, 'resident');
    const attack = await burst(w, 'kiosk-1', 100, () => ({ type: 'resident_login', pin: pins[1]! }));
    await eventually('all 100 tries decided', async () => {
      const t = await triesCounted(w, 'resident');
      return t.refused - refusedBefore >= 100 || t.checked > checkedBefore ? t : undefined;
    });
    await attack.close();
    assert.equal((await triesCounted(w, 'resident')).checked, checkedBefore);
    assert.deepEqual(await sessionCounts(w), before);
    assert.deepEqual(w.kiosk.sessionOf('kiosk-1'), { mode: 'idle' });
    const person = await KioskClient.authenticated(w.wsUrl, 'kiosk-1', deviceToken);
    clients.push(person);
    const told = await person.request({ type: 'resident_login', pin: pins[1]! });
    assert.equal(errorCode(told), 'locked_out');
    assert.match((told as { message: string }).message, /wait (\d+ s|1 min) and try again/);
    assert.ok((told as { retryAfterMs: number }).retryAfterMs <= strict.maxBackoffMs);
    await person.close();
  });

  test('300 sockets guessing courier PINs at once check 4, and the right PIN in the race opens no delivery', async () => {
    const before = await sessionCounts(w);
    const right = w.seeded.courierPins[0]!.pin;
    const earlier = await triesCounted(w, 'courier');
    // The first four tries are spent before the burst, so no try of the burst may be checked.
    const c = await KioskClient.authenticated(w.wsUrl, 'kiosk-1', deviceToken);
    for (const pin of ['00000001', '00000002', '00000003', '00000004'])
      assert.equal(errorCode(await c.request({ type: 'courier_login', pin })), 'wrong_credentials');
    await c.close();
    const attack = await burst(w, 'kiosk-1', 300, (i) =>
      i % 15 === 0
        ? { type: 'courier_login', pin: right }
        : { type: 'courier_login', pin: String(10_000_000 + i) },
    );
    const counted = await eventually('all 300 courier tries decided', async () => {
      const t = await triesCounted(w, 'courier');
      return t.checked + t.refused >= earlier.checked + earlier.refused + 304 ? t : undefined;
    });
    await attack.close();
    assert.equal(counted.checked - earlier.checked, 4, `checked ${counted.checked - earlier.checked}`);
    assert.equal(counted.refused - earlier.refused, 300);
    assert.equal((await storedTries(w, 'kiosk-1', 'courier'))!.tries, 4);
    assert.deepEqual(await sessionCounts(w), before, 'no delivery session from the race');
    assert.deepEqual(w.kiosk.sessionOf('kiosk-1'), { mode: 'idle' });
  });

  test('the count and the wait survive a restart of the kiosk server', async () => {
    const waitingUntil = (await storedTries(w, 'kiosk-1', 'resident'))!.locked_until.getTime();
    const { scratch, seeded } = w;
    await w.stop();
    w = await openKioskWorld({ limits: strict, reuse: { scratch, seeded } });
    const c = await KioskClient.authenticated(w.wsUrl, 'kiosk-1', deviceToken);
    clients.push(c);
    const told = await c.request({ type: 'resident_login', pin: pins[2]! });
    assert.equal(errorCode(told), 'locked_out', JSON.stringify(told));
    assert.ok((told as { retryAfterMs: number }).retryAfterMs <= waitingUntil - Date.now() + 1000);
    assert.equal((await storedTries(w, 'kiosk-1', 'resident'))!.tries, 4);
    assert.equal((await triesCounted(w, 'resident')).checked, 0, 'nothing checked after the restart');
  });
});

describe('a kiosk made to wait by a burst takes the right PIN again after its backoff', () => {
  let w: KioskWorld;
  let pins: string[];
  const short: LoginLimitSettings = {
    freeTries: 2,
    firstBackoffMs: 300,
    maxBackoffMs: 1_000,
    forgetOneTryMs: 600_000,
  };

  before(async () => {
    w = await openKioskWorld({ limits: short });
    const residents = await w.store.people.listResidents();
    pins = await placePackages(w, [residents[5]!.id], ['B1-1']);
  });
  after(async () => {
    await w?.close();
  });

  test('after a burst of 200 wrong PINs the right one is refused only until the wait is over', async () => {
    const startedAt = Date.now();
    const attack = await burst(w, 'kiosk-1', 200, (i) => ({
      type: 'resident_login',
      pin: String(2_000_000_000 + i),
    }));
    await eventually('all 200 tries decided', async () => {
      const t = await triesCounted(w, 'resident');
      return t.checked + t.refused >= 200 ? t : undefined;
    });
    const lastedMs = Date.now() - startedAt;
    await attack.close();
    // The wait doubles from 300 ms to the 1 s cap while the burst lasts, so a slow machine lets a
    // few more through than a fast one; never more than one per shortest wait.
    const { checked } = await triesCounted(w, 'resident');
    assert.ok(checked >= short.freeTries + 1, `checked ${checked}`);
    const most = short.freeTries + 1 + Math.ceil(lastedMs / short.firstBackoffMs);
    assert.ok(checked <= most, `checked ${checked} in ${lastedMs} ms, at most ${most}`);
    const c = await KioskClient.authenticated(w.wsUrl, 'kiosk-1', deviceToken);
    const refusals: ServerMessage[] = [];
    const started = await eventually('the right PIN taken at the waited-out kiosk', async () => {
      const reply = await c.request({ type: 'resident_login', pin: pins[0]! });
      if (reply.type === 'pickup_started') return reply;
      refusals.push(reply);
      return undefined;
    });
    assert.equal(started.type, 'pickup_started');
    for (const r of refusals) {
      assert.equal(errorCode(r), 'locked_out');
      assert.ok((r as { retryAfterMs: number }).retryAfterMs <= short.maxBackoffMs);
    }
    await c.request({ type: 'session_end' });
    await c.close();
  });
});
