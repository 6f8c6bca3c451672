import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import {
  createPickupCredentials,
  maxLabelJpegBytes,
  type ServerMessage,
} from '../../../services/kiosk/index.ts';
import {
  deviceToken,
  KioskClient,
  type KioskWorld,
  observation,
  openKioskWorld,
  otherDeviceToken,
  secret,
} from './kiosk-harness.ts';

const counts = async (w: KioskWorld) => {
  const { rows } = await w.db.query<{ events: number; packages: number; sessions: number }>(
    `SELECT (SELECT count(*) FROM events)::int AS events, (SELECT count(*) FROM packages)::int AS packages,
            (SELECT count(*) FROM delivery_sessions)::int AS sessions`,
  );
  return rows[0]!;
};

const errorCode = (m: ServerMessage) => (m.type === 'error' ? m.code : `not an error: ${m.type}`);

describe('kiosk server', () => {
  let w: KioskWorld;
  const clients: KioskClient[] = [];
  const connect = async (deviceId = 'kiosk-1') => {
    const c = await KioskClient.authenticated(
      w.wsUrl,
      deviceId,
      deviceId === 'kiosk-1' ? deviceToken : otherDeviceToken,
    );
    clients.push(c);
    return c;
  };
  let residentA: { id: string; firstName: string };
  let residentB: { id: string };
  let slotCounter = 0;
  const freeSlot = () => {
    slotCounter++;
    return `${'ABC'[Math.floor((slotCounter - 1) / 20)]}${Math.floor(((slotCounter - 1) % 20) / 4) + 1}-${((slotCounter - 1) % 4) + 1}`;
  };
  const crop = (seed: number) =>
    sharp({ create: { width: 24, height: 16, channels: 3, background: { r: seed, g: 90, b: 30 } } })
      .jpeg()
      .toBuffer();

  /** A courier registers one package for `residentId` on a typed tracking number; the cameras see it land. */
  const deliver = async (c: KioskClient, residentId: string, slotId = freeSlot()) => {
    const reading = await c.request({ type: 'tracking_typed', trackingNumber: '1Z999AA10123456784' });
    assert.equal(reading.type, 'label_reading');
    const awaiting = await c.request({
      type: 'recipient_confirm',
      readingId: (reading as Extract<ServerMessage, { type: 'label_reading' }>).readingId,
      residentId,
    });
    assert.equal(awaiting.type, 'awaiting_placement');
    const since = c.received.length;
    await w.ledger.observe(observation('appeared', slotId, await crop(slotCounter)));
    const placed = await c.next('placed', since);
    return { placed, packageId: (awaiting as { packageId: string }).packageId, slotId };
  };

  const courierLogin = async (c: KioskClient) => {
    const reply = await c.request({ type: 'courier_login', pin: w.seeded.courierPins[0]!.pin });
    assert.equal(reply.type, 'session', JSON.stringify(reply));
    return reply;
  };

  before(async () => {
    w = await openKioskWorld({
      limits: { freeTries: 2, firstBackoffMs: 60_000, maxBackoffMs: 60_000, forgetOneTryMs: 600_000 },
    });
    const residents = await w.store.people.listResidents();
    residentA = residents[0]!;
    residentB = residents[1]!;
  });
  after(async () => {
    for (const c of clients) await c.close();
    await w?.close();
  });

  test('a kiosk with a wrong token is refused and disconnected; the right one is welcomed idle', async () => {
    const bad = await KioskClient.connect(w.wsUrl);
    clients.push(bad);
    const refused = await bad.request({
      type: 'hello',
      protocol: 1,
      deviceId: 'kiosk-1',
      token: 'x'.repeat(32),
    });
    assert.equal(errorCode(refused), 'unauthorized');
    assert.equal((await bad.closed).code, 4401);

    const unknown = await KioskClient.connect(w.wsUrl);
    clients.push(unknown);
    assert.equal(
      errorCode(
        await unknown.request({ type: 'hello', protocol: 1, deviceId: 'kiosk-9', token: deviceToken }),
      ),
      'unauthorized',
    );

    const good = await KioskClient.connect(w.wsUrl);
    clients.push(good);
    const welcome = await good.request({
      type: 'hello',
      protocol: 1,
      deviceId: 'kiosk-1',
      token: deviceToken,
    });
    assert.deepEqual(welcome, {
      type: 'welcome',
      protocol: 1,
      deviceId: 'kiosk-1',
      roomId: 'demo',
      session: { mode: 'idle' },
      replyTo: 'm1',
    });
    await good.close();
  });

  test('messages before hello are refused, and a socket that never says hello is closed', async () => {
    const c = await KioskClient.connect(w.wsUrl);
    clients.push(c);
    assert.equal(errorCode(await c.request({ type: 'courier_login', pin: '123456' })), 'not_authenticated');
    assert.equal((await c.closed).code, 4408);
  });

  test('malformed, oversized and unknown messages get an error naming the problem and change nothing', async () => {
    const c = await connect();
    const before = await counts(w);
    c.sendRaw('not json');
    assert.equal(errorCode(await c.wait((m) => m.type === 'error')), 'malformed');
    const wrongField = await c.request({ type: 'courier_login', pin: '12ab' });
    assert.equal(errorCode(wrongField), 'malformed');
    assert.match((wrongField as { message: string }).message, /pin: must be 4 to 10 digits/);
    assert.equal(
      errorCode(await c.request({ type: 'courier_login', pin: '1234', rfid: '0004512345' })),
      'malformed',
    );
    assert.equal(errorCode(await c.request({ type: 'courier_login', pin: '123456', extra: 1 })), 'malformed');
    assert.equal(errorCode(await c.request({ type: 'open_sesame' })), 'unknown_type');
    assert.equal(
      errorCode(await c.request({ type: 'resident_search', query: 'x'.repeat(20_000) })),
      'too_large',
    );
    const bigJpeg = Buffer.alloc(maxLabelJpegBytes + 1024, 7).toString('base64');
    assert.equal(errorCode(await c.request({ type: 'label_image', jpegBase64: bigJpeg })), 'too_large');
    c.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    assert.equal(errorCode(await c.wait((m) => m.type === 'error')), 'malformed');
    assert.equal(errorCode(await c.request({ type: 'label_image', jpegBase64: 'AAAA' })), 'no_session');
    assert.deepEqual(await counts(w), before);
    assert.deepEqual(w.kiosk.sessionOf('kiosk-1'), { mode: 'idle' });
    await c.close();
  });

  test('a courier logs in with the PIN or the RFID tag, and ends the session', async () => {
    const c = await connect();
    const courier = w.seeded.courierPins[1]!;
    const byPin = await c.request({ type: 'courier_login', pin: courier.pin });
    assert.equal(byPin.type, 'session');
    assert.equal((byPin as { session: { mode: string } }).session.mode, 'courier');
    assert.deepEqual((byPin as { session: { courier: unknown } }).session.courier, {
      name: courier.name,
      company: courier.company,
    });
    const speech = await c.next('speech');
    assert.match(speech.text, /Show the first label/);
    assert.equal(errorCode(await c.request({ type: 'courier_login', pin: courier.pin })), 'session_open');
    const ended = await c.request({ type: 'session_end' });
    assert.deepEqual(ended, { type: 'session', session: { mode: 'idle' }, replyTo: ended.replyTo });

    const byTag = await c.request({ type: 'courier_login', rfid: courier.rfidTag });
    assert.equal((byTag as { session: { courier: { name: string } } }).session.courier.name, courier.name);
    const { rows } = await w.db.query<{ courier_id: string; ended_at: Date | null }>(
      'SELECT courier_id, ended_at FROM delivery_sessions ORDER BY started_at',
    );
    assert.equal(rows.length, 2);
    assert.ok(rows[0]!.ended_at, 'the first session ended in the ledger');
    await c.request({ type: 'session_end' });
    await c.close();
  });

  test('wrong courier PINs count down, then the kiosk waits between tries, even for the right PIN', async () => {
    const c = await connect('kiosk-2');
    const first = await c.request({ type: 'courier_login', pin: '000001' });
    assert.equal(errorCode(first), 'wrong_credentials');
    assert.equal((first as { attemptsLeft: number }).attemptsLeft, 1);
    assert.equal(
      errorCode(await c.request({ type: 'courier_login', rfid: 'NOTATAG1' })),
      'wrong_credentials',
    );
    const third = await c.request({ type: 'courier_login', pin: '000003' });
    assert.equal(errorCode(third), 'wrong_credentials');
    assert.ok((third as { retryAfterMs: number }).retryAfterMs > 50_000);
    assert.match((third as { message: string }).message, /wait (59|60) s before the next try|wait 1 min/);
    const fourth = await c.request({ type: 'courier_login', pin: '000004' });
    assert.equal(errorCode(fourth), 'locked_out');
    assert.match((fourth as { message: string }).message, /wait (\d+ s|1 min) and try again/);
    const right = await c.request({ type: 'courier_login', pin: w.seeded.courierPins[0]!.pin });
    assert.equal(errorCode(right), 'locked_out');
    assert.deepEqual(w.kiosk.sessionOf('kiosk-2'), { mode: 'idle' });
    // Another kiosk is not locked by this one's wrong tries.
    const other = await connect();
    await courierLogin(other);
    await other.request({ type: 'session_end' });
    await other.close();
    await c.close();
  });

  test('registration, placement and the kiosk shown the slot, the words and a photo it can load', async () => {
    const c = await connect();
    await courierLogin(c);
    const search = await c.request({ type: 'resident_search', query: residentA.firstName });
    assert.equal(search.type, 'resident_list');
    assert.ok(
      (search as { residents: Array<{ residentId: string }> }).residents.some(
        (r) => r.residentId === residentA.id,
      ),
    );
    assert.equal(
      errorCode(await c.request({ type: 'tracking_typed', trackingNumber: '1Z999AA10123456785' })),
      'tracking_invalid',
    );
    const unknownReading = await c.request({
      type: 'recipient_confirm',
      readingId: '00000000-0000-4000-8000-000000000000',
      residentId: residentA.id,
    });
    assert.equal(errorCode(unknownReading), 'unknown_reading');

    const first = await deliver(c, residentA.id, 'B3-2');
    assert.equal(first.placed.package.slotId, 'B3-2');
    assert.equal(first.placed.package.words, 'Shelf B, level 3 (from the floor), second from the left');
    assert.deepEqual(first.placed.map.highlightSlotIds, ['B3-2']);
    assert.equal(first.placed.map.units.length, 3);
    assert.equal(first.placed.package.carrier, 'ups');
    const photoUrl = first.placed.package.photoUrl!;
    assert.match(photoUrl, /^\/kiosk\/photos\//);
    const photo = await fetch(`${w.url}${photoUrl}`);
    assert.equal(photo.status, 200);
    assert.equal(photo.headers.get('content-type'), 'image/jpeg');
    assert.equal((await sharp(Buffer.from(await photo.arrayBuffer())).metadata()).width, 24);
    assert.equal((await fetch(`${w.url}${photoUrl.replace(/sig=[0-9a-f]{4}/, 'sig=0000')}`)).status, 404);

    // Several packages in one visit: each is told when it lands.
    const second = await deliver(c, residentB.id);
    assert.deepEqual(second.placed.awaitingPackageIds, []);
    const ended = await c.request({ type: 'session_end' });
    assert.equal(ended.type, 'session');
    const summary = await c.next('delivery_ended');
    assert.deepEqual(summary.awaitingPackageIds, []);
    const { rows } = await w.db.query<{ state: string; slot_id: string; tracking_number: string }>(
      'SELECT state, slot_id, tracking_number FROM packages WHERE id = $1',
      [first.packageId],
    );
    assert.deepEqual(rows[0], { state: 'placed', slot_id: 'B3-2', tracking_number: '1Z999AA10123456784' });
    await c.close();
  });

  test('placement mints a 10-digit PIN unique on the shelves and a QR token, in clear only in the outbox', async () => {
    const c = await connect();
    await courierLogin(c);
    const { packageId } = await deliver(c, residentA.id);
    await c.request({ type: 'session_end' });
    await c.close();
    const { rows } = await w.db.query<{ payload: { pickupPin: string; pickupToken: string } }>(
      `SELECT o.payload FROM notification_outbox o JOIN events e ON e.id = o.event_id
       WHERE e.package_id = $1 AND o.template = 'package_placed'`,
      [packageId],
    );
    assert.equal(rows.length, 2, 'email and sms');
    const { pickupPin, pickupToken } = rows[0]!.payload;
    assert.match(pickupPin, /^\d{10}$/);
    assert.match(pickupToken, /^pr1\.[0-9a-f-]{36}\.\d+\.[A-Za-z0-9_-]+$/);
    assert.deepEqual(rows[1]!.payload.pickupPin, pickupPin);
    const stored = await w.db.query<{ pickup_pin_hash: string }>(
      'SELECT pickup_pin_hash FROM packages WHERE id = $1',
      [packageId],
    );
    assert.equal(stored.rows[0]!.pickup_pin_hash, w.credentials.pinHash('demo', pickupPin));
    assert.ok(!stored.rows[0]!.pickup_pin_hash.includes(pickupPin));
    const hashes = await w.db.query<{ n: number; distinct: number }>(
      `SELECT count(*)::int AS n, count(DISTINCT pickup_pin_hash)::int AS distinct FROM packages WHERE state = 'placed'`,
    );
    assert.equal(hashes.rows[0]!.n, hashes.rows[0]!.distinct);
  });

  test('QR tokens: a valid one starts the pickup once; a reused, expired or altered one is refused', async () => {
    const c = await connect();
    await courierLogin(c);
    const { packageId } = await deliver(c, residentB.id);
    await c.request({ type: 'session_end' });
    const { rows } = await w.db.query<{ payload: { pickupToken: string } }>(
      `SELECT o.payload FROM notification_outbox o JOIN events e ON e.id = o.event_id
       WHERE e.package_id = $1 AND o.template = 'package_placed' LIMIT 1`,
      [packageId],
    );
    const token = rows[0]!.payload.pickupToken;
    const [prefix, id, exp, sig] = token.split('.');
    const tampered = [
      `${prefix}.${id}.${Number(exp) + 1}.${sig}`,
      `${prefix}.${id}.${exp}.${sig!.slice(0, -2)}${sig!.endsWith('AA') ? 'BB' : 'AA'}`,
    ];
    for (const t of tampered)
      assert.equal(errorCode(await c.request({ type: 'resident_login', qrToken: t })), 'token_invalid');

    const since = c.received.length;
    const started = await c.request({ type: 'resident_login', qrToken: token });
    assert.equal(started.type, 'pickup_started', JSON.stringify(started));
    const pickup = started as Extract<ServerMessage, { type: 'pickup_started' }>;
    assert.ok(pickup.packages.some((p) => p.packageId === packageId));
    assert.equal(pickup.map.highlightSlotIds.length, pickup.packages.length);
    assert.ok(pickup.packages.every((p) => p.photoUrl && p.words));
    assert.match((await c.next('speech', since)).text, /Follow the red dot/);
    await c.request({ type: 'session_end' });
    assert.equal(errorCode(await c.request({ type: 'resident_login', qrToken: token })), 'token_used');

    // An expired token, minted as if the package had been placed 15 days ago.
    const old = await w.credentials.mint(w.db, {
      roomId: 'demo',
      packageId,
      residentId: residentB.id,
      atMs: Date.now() - 15 * 24 * 3600_000,
    });
    assert.equal(
      errorCode(await c.request({ type: 'resident_login', qrToken: old.pickupToken })),
      'token_expired',
    );
    const used = await w.db.query<{ used_by: string }>(
      'SELECT used_by FROM pickup_credentials WHERE used_at IS NOT NULL',
    );
    assert.deepEqual(
      used.rows.map((r) => r.used_by),
      ['kiosk-1'],
    );
    await c.close();
  });

  test('resident PIN: pickup, the package seen leaving, recorded, and the session over', async () => {
    const c = await connect();
    await courierLogin(c);
    const { packageId, slotId } = await deliver(c, residentA.id);
    await c.request({ type: 'session_end' });
    const { rows } = await w.db.query<{ payload: { pickupPin: string } }>(
      `SELECT o.payload FROM notification_outbox o JOIN events e ON e.id = o.event_id
       WHERE e.package_id = $1 AND o.template = 'package_placed' LIMIT 1`,
      [packageId],
    );
    const started = await c.request({ type: 'resident_login', pin: rows[0]!.payload.pickupPin });
    assert.equal(started.type, 'pickup_started', JSON.stringify(started));
    const pickup = started as Extract<ServerMessage, { type: 'pickup_started' }>;
    // Every package of the resident on the shelves is in the session.
    const placed = await w.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM packages WHERE resident_id = $1 AND state = 'placed'`,
      [residentA.id],
    );
    assert.equal(pickup.packages.length, placed.rows[0]!.n);
    assert.ok(pickup.packages.some((p) => p.slotId === slotId));
    const since = c.received.length;
    for (const p of pickup.packages) await w.ledger.observe(observation('vanished', p.slotId!));
    const ended = await c.next('pickup_ended', since);
    assert.equal(ended.outcome, 'picked_up');
    assert.deepEqual(await c.next('session', since), { type: 'session', session: { mode: 'idle' } });
    const state = await w.db.query<{ state: string }>('SELECT state FROM packages WHERE id = $1', [
      packageId,
    ]);
    assert.equal(state.rows[0]!.state, 'picked_up');
    // The PIN names a package that is no longer on a shelf.
    const again = await c.request({ type: 'resident_login', pin: rows[0]!.payload.pickupPin });
    assert.equal(errorCode(again), 'wrong_credentials');
    await c.close();
  });

  test('two packages registered before either lands are placed in the order they were registered', async () => {
    const c = await connect();
    await courierLogin(c);
    const register = async (residentId: string) => {
      const reading = (await c.request({ type: 'tracking_typed', trackingNumber: 'TBA123456789012' })) as {
        readingId: string;
      };
      return (await c.request({
        type: 'recipient_confirm',
        readingId: reading.readingId,
        residentId,
      })) as Extract<ServerMessage, { type: 'awaiting_placement' }>;
    };
    const first = await register(residentA.id);
    // The ledger keeps registrations in the order of its clock, which the test moves by hand.
    w.clock.ms += 1000;
    const second = await register(residentB.id);
    assert.deepEqual(second.awaitingPackageIds, [first.packageId, second.packageId]);
    const since = c.received.length;
    await w.ledger.observe(observation('appeared', freeSlot()));
    await w.ledger.observe(observation('appeared', freeSlot()));
    await c.wait(() => c.received.slice(since).filter((m) => m.type === 'placed').length === 2);
    const placed = c.received.slice(since).filter((m) => m.type === 'placed') as Array<
      Extract<ServerMessage, { type: 'placed' }>
    >;
    assert.deepEqual(
      placed.map((p) => p.package.packageId),
      [first.packageId, second.packageId],
    );
    assert.deepEqual(placed[0]!.awaitingPackageIds, [second.packageId]);
    assert.deepEqual(placed[1]!.awaitingPackageIds, []);
    await c.request({ type: 'session_end' });
    await c.close();
  });

  test('a reloaded page gets its session back, and the older socket of the device is closed', async () => {
    const first = await connect();
    await courierLogin(first);
    const second = await connect();
    assert.equal((await first.closed).code, 4409);
    const welcome = second.received.find((m) => m.type === 'welcome') as Extract<
      ServerMessage,
      { type: 'welcome' }
    >;
    assert.equal(welcome.session.mode, 'courier');
    assert.equal(
      errorCode(await second.request({ type: 'resident_login', pin: '1234567890' })),
      'session_open',
    );
    assert.equal(errorCode(await second.request({ type: 'door_unlock' })), 'door_unavailable');
    await second.request({ type: 'session_end' });
    await second.close();
  });

  test('a new pickup PIN is drawn again while another package on the shelves has it', async () => {
    const { rows } = await w.db.query<{ id: string; resident_id: string }>(
      `SELECT id, resident_id FROM packages WHERE state = 'placed' AND resident_id IS NOT NULL ORDER BY id LIMIT 2`,
    );
    const draws = ['111111', '111111', '222222'];
    const credentials = createPickupCredentials(w.db, { secret, drawPin: () => draws.shift()! });
    const mint = (row: { id: string; resident_id: string }) =>
      credentials.mint(w.db, {
        roomId: 'demo',
        packageId: row.id,
        residentId: row.resident_id,
        atMs: Date.now(),
      });
    assert.equal((await mint(rows[0]!)).pickupPin, '111111');
    assert.equal((await mint(rows[1]!)).pickupPin, '222222');
    assert.deepEqual(draws, []);
    const found = await credentials.findByPin('demo', '111111');
    assert.deepEqual(found, { ok: true, packageId: rows[0]!.id, residentId: rows[0]!.resident_id });
  });

  test("taking someone else's package during a pickup is told to the kiosk with where the resident's own are", async () => {
    const c = await connect();
    await courierLogin(c);
    const residents = await w.store.people.listResidents();
    const [owner, other] = [residents[10]!, residents[11]!];
    const mine = await deliver(c, owner.id);
    const theirs = await deliver(c, other.id);
    await c.request({ type: 'session_end' });
    const { rows } = await w.db.query<{ payload: { pickupPin: string } }>(
      `SELECT o.payload FROM notification_outbox o JOIN events e ON e.id = o.event_id
       WHERE e.package_id = $1 AND o.template = 'package_placed' LIMIT 1`,
      [mine.packageId],
    );
    const since = c.received.length;
    assert.equal(
      (await c.request({ type: 'resident_login', pin: rows[0]!.payload.pickupPin })).type,
      'pickup_started',
    );
    await w.ledger.observe(observation('vanished', theirs.slotId));
    const wrong = await c.next('wrong_package', since);
    assert.equal(wrong.packageId, theirs.packageId);
    assert.deepEqual(wrong.expectedSlotIds, [mine.slotId]);
    assert.deepEqual(wrong.map.highlightSlotIds, [mine.slotId]);
    const spoken = (m: ServerMessage) => m.type === 'speech' && /not your package/.test(m.text);
    assert.ok(c.received.slice(since).find(spoken) ?? (await c.wait(spoken)));
    await c.request({ type: 'session_end' });
    await c.close();
  });

  test('wrong resident PINs make the kiosk wait with a retry time, but not for QR codes', async () => {
    const c = await connect('kiosk-2');
    const before = await counts(w);
    const tries: ServerMessage[] = [];
    for (const pin of ['0000000000', '0000000001', '0000000002', '0000000003'])
      tries.push(await c.request({ type: 'resident_login', pin }));
    assert.deepEqual(tries.map(errorCode), [
      'wrong_credentials',
      'wrong_credentials',
      'wrong_credentials',
      'locked_out',
    ]);
    assert.match((tries[3] as { message: string }).message, /the QR code from your message works now/);
    assert.ok((tries[3] as { retryAfterMs: number }).retryAfterMs > 0);
    assert.deepEqual(await counts(w), before);
    // A QR code cannot be guessed: the locked kiosk still takes one.
    const { rows } = await w.db.query<{ id: string; resident_id: string }>(
      `SELECT id, resident_id FROM packages WHERE state = 'placed' AND resident_id IS NOT NULL LIMIT 1`,
    );
    const { pickupToken } = await w.credentials.mint(w.db, {
      roomId: 'demo',
      packageId: rows[0]!.id,
      residentId: rows[0]!.resident_id,
      atMs: Date.now(),
    });
    assert.equal((await c.request({ type: 'resident_login', qrToken: pickupToken })).type, 'pickup_started');
    await c.request({ type: 'session_end' });
    await c.close();
  });

  test('the demo token is not handed out when devices are configured', async () => {
    assert.equal((await fetch(`${w.url}/kiosk/device`)).status, 404);
  });

  // Last: its pickup session is still in its grace period when it ends, and a pickup test
  // after it would share the kiosk with that session.
  test('a kiosk reloaded during a pickup gets the session back with the map and the slot to visit lit', async () => {
    const c = await connect();
    await courierLogin(c);
    const { packageId, slotId } = await deliver(c, residentA.id);
    await c.request({ type: 'session_end' });
    const { rows } = await w.db.query<{ payload: { pickupPin: string } }>(
      `SELECT o.payload FROM notification_outbox o JOIN events e ON e.id = o.event_id
       WHERE e.package_id = $1 AND o.template = 'package_placed' LIMIT 1`,
      [packageId],
    );
    assert.equal(
      (await c.request({ type: 'resident_login', pin: rows[0]!.payload.pickupPin })).type,
      'pickup_started',
    );
    const reloaded = await connect();
    assert.equal((await c.closed).code, 4409);
    const welcome = reloaded.received.find((m) => m.type === 'welcome') as Extract<
      ServerMessage,
      { type: 'welcome' }
    >;
    assert.equal(welcome.session.mode, 'resident');
    if (welcome.session.mode !== 'resident') return;
    assert.ok(
      welcome.session.map.highlightSlotIds.includes(slotId),
      JSON.stringify(welcome.session.map.highlightSlotIds),
    );
    assert.ok(welcome.session.map.units.length > 0);
    await reloaded.request({ type: 'session_end' });
    await reloaded.close();
  });
});

describe('kiosk server in demo mode', () => {
  let w: KioskWorld;
  before(async () => {
    w = await openKioskWorld({ demoDevice: true });
  });
  after(() => w?.close());

  test('the page on this machine gets the demo device and its token, which the socket accepts', async () => {
    const answer = await fetch(`${w.url}/kiosk/device`);
    assert.equal(answer.status, 200);
    const device = (await answer.json()) as { deviceId: string; token: string; wsPath: string };
    assert.equal(device.deviceId, 'kiosk-1');
    assert.equal(device.wsPath, '/kiosk/ws');
    const c = await KioskClient.authenticated(w.wsUrl, device.deviceId, device.token);
    await c.close();
    // Not to a page that reached this machine under another host name (DNS rebinding).
    const rebound = await new Promise<number>((resolve, reject) => {
      const url = new URL(`${w.url}/kiosk/device`);
      request(
        { host: url.hostname, port: url.port, path: url.pathname, headers: { host: 'evil.example:80' } },
        (res) => {
          res.resume();
          resolve(res.statusCode!);
        },
      )
        .on('error', reject)
        .end();
    });
    assert.equal(rebound, 404);
  });
});
