import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { createPickupCredentials } from '../../services/kiosk/index.ts';
import type { LedgerInput } from '../../services/ledger/index.ts';
import {
  createLedgerRepository,
  enqueueResidentNotifications,
  skippedNotificationEvent,
} from '../../services/store/index.ts';
import { box, uuid } from '../services/ledger/ledger-fixtures.ts';
import { DurableLedger, openLedgerWorld, pictures, roomId, type World } from './ledger-store-harness.ts';

const d1 = uuid(100);
const p1 = uuid(1);

interface OutboxRow {
  channel: string;
  recipient: string;
  template: string;
  dedupe_key: string;
  event_id: number;
}

describe('one outbox path for every notice', () => {
  let w: World;
  let ledger: DurableLedger;
  const credentials = { minted: 0 };

  before(async () => {
    w = await openLedgerWorld('server');
  });
  beforeEach(async () => {
    await w.db.query(
      `TRUNCATE ledger_inputs, camera_outages, room_objects, pickups, placements, pickup_sessions, pickup_credentials,
         notification_outbox, flags, events, audit_log, packages, delivery_sessions, images`,
    );
    await w.db.query('UPDATE residents SET active = true');
    credentials.minted = 0;
    const minter = createPickupCredentials(w.db, { secret: 'outbox-test-secret-0123456789abcdef0123456789' });
    // The service's ledger: it mints the placement's PIN and QR token while it commits.
    const repository = createLedgerRepository(w.db, {
      pickupCredentials: {
        mint: (tx, placed) => {
          credentials.minted++;
          return minter.mint(tx, placed);
        },
      },
    });
    ledger = await DurableLedger.open({ ...w.store, ledger: repository });
  });
  after(async () => {
    await w?.db.close();
    await w?.scratch.drop();
  });

  async function place(residentId: string): Promise<number> {
    await ledger.feed({ type: 'delivery_started', atMs: 1_000, sessionId: d1, courierId: w.courier });
    await ledger.feed({
      type: 'package_registered',
      atMs: 1_100,
      sessionId: d1,
      packageId: p1,
      residentId,
      details: { courierId: w.courier, carrier: 'UPS', trackingNumber: '1Z1100' },
    });
    const appeared: LedgerInput = {
      type: 'observed',
      atMs: 5_000,
      observation: {
        kind: 'appeared',
        slotId: 'A2-1',
        slots: ['A2-1'],
        cameraId: 'cam-1',
        box,
        confidence: 0.9,
        pictures: await pictures(1),
      },
    };
    await ledger.feed(appeared);
    assert.equal((await w.store.packages.get(p1))?.state, 'placed');
    const placed = (await w.store.events.list({ packageId: p1 })).find((e) => e.type === 'package.placed');
    return placed!.id;
  }

  async function outbox(): Promise<OutboxRow[]> {
    const { rows } = await w.db.query<OutboxRow>(
      'SELECT channel, recipient, template, dedupe_key, event_id FROM notification_outbox ORDER BY id',
    );
    return rows;
  }

  async function mintedCredentials(): Promise<number> {
    const { rows } = await w.db.query<{ n: number }>('SELECT count(*)::int AS n FROM pickup_credentials');
    return rows[0]!.n;
  }

  test('an inactive resident gets no placement notice and no PIN, and the package history tells staff why', async () => {
    await w.db.query('UPDATE residents SET active = false WHERE id = $1', [w.alice]);
    const placedId = await place(w.alice);
    assert.deepEqual(await outbox(), []);
    assert.equal(credentials.minted, 0, 'no PIN or QR token is minted for a notice that is not sent');
    assert.equal(await mintedCredentials(), 0);
    // What the staff page shows for the package (GET /api/staff/packages/:id).
    const history = await w.store.review.packageEvents(p1);
    const skipped = history.filter((e) => e.type === skippedNotificationEvent);
    assert.deepEqual(
      skipped.map((e) => e.payload),
      [
        {
          template: 'package_placed',
          residentId: w.alice,
          reason: 'resident_inactive',
          forEventId: placedId,
        },
      ],
    );
    assert.equal(skipped[0]!.packageId, p1);
  });

  test('an inactive resident gets no picked-up notice from a staff pickup either, and the skip is recorded once', async () => {
    const placedId = await place(w.bob);
    await w.db.query('UPDATE residents SET active = false WHERE id = $1', [w.bob]);
    const staffPickup = {
      eventId: placedId,
      template: 'package_picked_up' as const,
      residentId: w.bob,
      payload: { packageId: p1, slotId: 'A2-1', roomId },
    };
    assert.deepEqual(await enqueueResidentNotifications(w.db, staffPickup), []);
    assert.deepEqual(await enqueueResidentNotifications(w.db, staffPickup), []);
    assert.deepEqual(
      (await outbox()).map((o) => o.template),
      ['package_placed'],
      'only the notice sent while Bob was active',
    );
    const skipped = (await w.store.review.packageEvents(p1)).filter(
      (e) => e.type === skippedNotificationEvent,
    );
    assert.equal(skipped.length, 1);
    assert.equal(skipped[0]!.payload.template, 'package_picked_up');
  });

  test('the placement is queued once whichever path queues it, even after the resident’s address changed', async () => {
    const placedId = await place(w.alice);
    assert.equal(credentials.minted, 1);
    const expected = [
      ['email', 'alice@example.test', `package_placed:event-${placedId}:email`],
      ['sms', '+15550100', `package_placed:event-${placedId}:sms`],
    ];
    assert.deepEqual(
      (await outbox()).map((o) => [o.channel, o.recipient, o.dedupe_key]),
      expected,
    );
    let secretsAsked = 0;
    const again = {
      eventId: placedId,
      template: 'package_placed' as const,
      residentId: w.alice,
      payload: { packageId: p1, slotId: 'A2-1', roomId },
      secrets: async () => {
        secretsAsked++;
        return { pickupPin: '000000', pickupToken: 'not-minted-twice' };
      },
    };
    assert.deepEqual(await enqueueResidentNotifications(w.db, again), []);
    await w.db.query('UPDATE residents SET email = $2, phone = $3 WHERE id = $1', [
      w.alice,
      'alice@new.example',
      '+15550199',
    ]);
    assert.deepEqual(await enqueueResidentNotifications(w.db, again), []);
    assert.equal(secretsAsked, 0, 'a notice already queued mints no new PIN that would contradict it');
    assert.deepEqual(
      (await outbox()).map((o) => [o.channel, o.recipient, o.dedupe_key]),
      expected,
    );
    assert.equal(await mintedCredentials(), 1);
    await w.db.query('UPDATE residents SET email = $2, phone = $3 WHERE id = $1', [
      w.alice,
      'alice@example.test',
      '+15550100',
    ]);
  });

  test('a notice queued before the key format was unified still counts: only the missing channel is written', async () => {
    await w.db.query('UPDATE residents SET active = false WHERE id = $1', [w.alice]);
    const placedId = await place(w.alice);
    await w.db.query('UPDATE residents SET active = true WHERE id = $1', [w.alice]);
    // The ledger's former key, `<eventId>:<channel>:<recipient>`, for the email only.
    await w.db.query(
      `INSERT INTO notification_outbox (event_id, channel, recipient, template, payload, dedupe_key)
       VALUES ($1, 'email', 'alice@example.test', 'package_placed', '{}', $2)`,
      [placedId, `${placedId}:email:alice@example.test`],
    );
    const ids = await enqueueResidentNotifications(w.db, {
      eventId: placedId,
      template: 'package_placed',
      residentId: w.alice,
      payload: { packageId: p1, slotId: 'A2-1', roomId },
    });
    assert.equal(ids.length, 1);
    assert.deepEqual(
      (await outbox()).map((o) => [o.channel, o.dedupe_key]),
      [
        ['email', `${placedId}:email:alice@example.test`],
        ['sms', `package_placed:event-${placedId}:sms`],
      ],
    );
  });
});
