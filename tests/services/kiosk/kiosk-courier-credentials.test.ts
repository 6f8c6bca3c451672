import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import argon2 from 'argon2';
import { courierLookups, type ServerMessage } from '../../../services/kiosk/index.ts';
import { StoreError } from '../../../services/store/index.ts';
import { deviceToken, KioskClient, type KioskWorld, openKioskWorld } from './kiosk-harness.ts';

const errorCode = (m: ServerMessage) => (m.type === 'error' ? m.code : `not an error: ${m.type}`);

interface CourierColumns {
  id: string;
  name: string;
  pin_lookup: string | null;
  rfid_tag: string | null;
  rfid_lookup: string | null;
  rfid_hint: string | null;
}

const courierRows = async (w: KioskWorld) =>
  (
    await w.db.query<CourierColumns>(
      'SELECT id, name, pin_lookup, rfid_tag, rfid_lookup, rfid_hint FROM couriers ORDER BY name',
    )
  ).rows;

const login = async (w: KioskWorld, credentials: { pin: string } | { rfid: string }) => {
  const c = await KioskClient.authenticated(w.wsUrl, 'kiosk-1', deviceToken);
  try {
    const reply = await c.request({ type: 'courier_login', ...credentials });
    if (reply.type === 'session') await c.request({ type: 'session_end' });
    return reply;
  } finally {
    await c.close();
  }
};

const courierName = (reply: ServerMessage) =>
  reply.type === 'session' && reply.session.mode === 'courier'
    ? reply.session.courier.name
    : errorCode(reply);

describe('courier PINs and RFID tags behind keyed lookups', () => {
  let w: KioskWorld;
  before(async () => {
    w = await openKioskWorld({
      limits: { freeTries: 50, firstBackoffMs: 1000, maxBackoffMs: 1000, forgetOneTryMs: 600_000 },
    });
  });
  after(async () => {
    await w?.close();
  });

  test('enrolled couriers have a keyed PIN lookup and a hashed tag, never the tag in clear', async () => {
    const lookups = courierLookups(w.credentials.keyedHash);
    const rows = await courierRows(w);
    assert.equal(rows.length, 4);
    for (const seeded of w.seeded.courierPins) {
      const row = rows.find((r) => r.name === seeded.name)!;
      assert.equal(row.pin_lookup, lookups.pin(seeded.pin));
      assert.equal(row.rfid_tag, null);
      assert.equal(row.rfid_lookup, lookups.rfid(seeded.rfidTag));
      assert.ok(!row.rfid_lookup!.includes(seeded.rfidTag));
    }
    const listed = await w.store.people.listCouriers();
    const shown = listed.find((c) => c.name === w.seeded.courierPins[0]!.name)!;
    assert.equal(shown.rfidTag, `…${w.seeded.courierPins[0]!.rfidTag.slice(-4)}`);
  });

  test('a courier logs in by PIN and by RFID tag through the lookups', async () => {
    const [first, second] = w.seeded.courierPins;
    assert.equal(courierName(await login(w, { pin: first!.pin })), first!.name);
    assert.equal(courierName(await login(w, { rfid: second!.rfidTag })), second!.name);
    assert.equal(courierName(await login(w, { pin: '99999999' })), 'wrong_credentials');
  });

  test('a courier with a PIN another courier has is refused with a clear message', async () => {
    const lookups = courierLookups(w.credentials.keyedHash);
    const taken = w.seeded.courierPins[2]!.pin;
    await assert.rejects(
      w.store.people.addCourier({
        name: 'Copy Cat',
        company: 'DHL',
        pinHash: await argon2.hash(taken, { type: argon2.argon2id }),
        pinLookup: lookups.pin(taken),
      }),
      (error: unknown) =>
        error instanceof StoreError &&
        error.message === 'this PIN belongs to another courier; choose another',
    );
    await assert.rejects(
      w.store.people.addCourier({
        name: 'Tag Twin',
        company: 'DHL',
        pinHash: 'x',
        rfidLookup: lookups.rfid(w.seeded.courierPins[2]!.rfidTag),
      }),
      /this RFID tag belongs to another courier/,
    );
    assert.equal((await courierRows(w)).length, 4);
  });

  test('a tag or PIN changed by staff stops the old one and the new one works from its first use', async () => {
    const courier = (await courierRows(w)).find((r) => r.name === w.seeded.courierPins[1]!.name)!;
    await w.store.staff.updateCourier(courier.id, { rfidTag: 'NEWTAG-0042' });
    assert.equal(
      courierName(await login(w, { rfid: w.seeded.courierPins[1]!.rfidTag })),
      'wrong_credentials',
    );
    assert.equal(courierName(await login(w, { rfid: 'NEWTAG-0042' })), courier.name);
    const after = (await courierRows(w)).find((r) => r.id === courier.id)!;
    assert.equal(after.rfid_tag, null, 'the new tag is hashed at its first use');
    assert.equal(after.rfid_hint, '0042');

    await w.store.staff.updateCourier(courier.id, {
      pinHash: await argon2.hash('24681357', { type: argon2.argon2id }),
    });
    assert.equal(courierName(await login(w, { pin: w.seeded.courierPins[1]!.pin })), 'wrong_credentials');
    assert.equal(courierName(await login(w, { pin: '24681357' })), courier.name);
    const lookups = courierLookups(w.credentials.keyedHash);
    assert.equal(
      (await courierRows(w)).find((r) => r.id === courier.id)!.pin_lookup,
      lookups.pin('24681357'),
    );
  });
});

describe('couriers enrolled before the keyed lookups', () => {
  let w: KioskWorld;
  before(async () => {
    w = await openKioskWorld({ legacyCouriers: true });
  });
  after(async () => {
    await w?.close();
  });

  test('log in as before, and their first login writes the lookups and drops the clear tag', async () => {
    const lookups = courierLookups(w.credentials.keyedHash);
    const before = await courierRows(w);
    assert.ok(before.every((r) => r.pin_lookup === null && r.rfid_lookup === null && r.rfid_tag !== null));
    const [first, second] = w.seeded.courierPins;
    assert.equal(courierName(await login(w, { pin: first!.pin })), first!.name);
    assert.equal(courierName(await login(w, { rfid: second!.rfidTag })), second!.name);
    const after = await courierRows(w);
    const one = after.find((r) => r.name === first!.name)!;
    const two = after.find((r) => r.name === second!.name)!;
    assert.equal(one.pin_lookup, lookups.pin(first!.pin));
    assert.equal(two.rfid_lookup, lookups.rfid(second!.rfidTag));
    assert.equal(two.rfid_tag, null);
    assert.equal(two.rfid_hint, second!.rfidTag.slice(-4));
    // Found through the lookups from now on.
    assert.equal(courierName(await login(w, { pin: first!.pin })), first!.name);
    assert.equal(courierName(await login(w, { rfid: second!.rfidTag })), second!.name);
  });
});
