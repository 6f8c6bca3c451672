import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import {
  createOutboxRepository,
  enqueueNotification,
  enqueueResidentNotifications,
  type OutboxRepository,
} from '../../../services/notifications/index.ts';
import { type NotificationBed, openNotificationBed, placePackage } from './notification-fixtures.ts';

describe('the notification outbox', () => {
  let bed: NotificationBed;
  let outbox: OutboxRepository;
  let eventId: number;

  before(async () => {
    bed = await openNotificationBed();
    outbox = createOutboxRepository(bed.db);
    eventId = (await bed.store.events.append({ roomId: 'demo', type: 'test.outbox' })).id;
  });
  after(async () => bed?.close());
  beforeEach(async () => {
    await bed.db.query(
      `UPDATE notification_outbox SET status = 'cancelled' WHERE status IN ('pending', 'sending')`,
    );
  });

  const message = (key: string) => ({
    eventId,
    channel: 'email' as const,
    recipient: 'maya@residents.example',
    template: 'package_placed' as const,
    payload: { packageId: 'x' },
    dedupeKey: key,
  });

  test('a message enqueued in a transaction that rolls back is not there, like its event', async () => {
    await assert.rejects(
      bed.db.transaction(async (tx) => {
        const event = await bed.store.events.append({ roomId: 'demo', type: 'test.rolled_back' }, tx);
        await enqueueNotification(tx, { ...message('rolled-back'), eventId: event.id });
        throw new Error('the placement failed');
      }),
      /the placement failed/,
    );
    const rows = await outbox.list({ limit: 10_000 });
    assert.equal(
      rows.some((r) => r.dedupeKey === 'rolled-back'),
      false,
    );
  });

  test('a second message with the same dedupe key is ignored and the first is kept', async () => {
    const first = await enqueueNotification(bed.db, message('same-key'));
    const second = await enqueueNotification(bed.db, {
      ...message('same-key'),
      recipient: 'other@residents.example',
    });
    assert.equal(typeof first, 'number');
    assert.equal(second, null);
    assert.equal((await outbox.get(first!))?.recipient, 'maya@residents.example');
  });

  test('a resident is written one message per channel they have, and replaying the event adds none', async () => {
    const placed = await placePackage(bed, { phone: '+15105550142' });
    assert.equal(placed.outboxIds.length, 2);
    const again = await enqueueResidentNotifications(bed.db, {
      eventId: placed.eventId,
      template: 'package_placed',
      residentId: placed.residentId,
      payload: { packageId: placed.packageId },
    });
    assert.deepEqual(again, []);
    const rows = await Promise.all(placed.outboxIds.map((id) => outbox.get(id)));
    assert.deepEqual(rows.map((r) => r?.channel).sort(), ['email', 'sms']);
    assert.equal(rows[0]?.payload.residentId, placed.residentId);
  });

  test('workers claiming at the same time get disjoint rows', async () => {
    const ids: number[] = [];
    for (let i = 0; i < 30; i++) ids.push((await enqueueNotification(bed.db, message(`race-${i}`)))!);
    const claims = await Promise.all(
      ['w1', 'w2', 'w3', 'w4'].map((workerId) => outbox.claimDue({ workerId, limit: 10, leaseMs: 60_000 })),
    );
    const claimed = claims.flat().map((r) => r.id);
    assert.equal(new Set(claimed).size, claimed.length, 'no row claimed twice');
    assert.equal(claimed.length, 30);
    assert.ok(claims.flat().every((r) => r.status === 'sending' && r.attempts === 1));
  });

  test('a claimed row comes back to the queue when its lease runs out, and the old claim is fenced off', async () => {
    const id = (await enqueueNotification(bed.db, message('lease')))!;
    const [first] = await outbox.claimDue({ workerId: 'w1', limit: 5, leaseMs: 1000 });
    assert.equal(first?.id, id);
    assert.deepEqual(await outbox.claimDue({ workerId: 'w2', limit: 5, leaseMs: 1000 }), []);
    await bed.db.query(
      `UPDATE notification_outbox SET next_attempt_at = now() - interval '1 second' WHERE id = $1`,
      [id],
    );
    const [second] = await outbox.claimDue({ workerId: 'w2', limit: 5, leaseMs: 1000 });
    assert.equal(second?.id, id);
    assert.equal(second?.attempts, 2);
    assert.equal(await outbox.markRetry(first!, 'late', 10), false);
    assert.equal(await outbox.markSent(second!, '<m@x>'), true);
    assert.equal(await outbox.markSent(second!, '<m@x>'), false, 'a sent row cannot be marked again');
    assert.deepEqual(
      await outbox.claimDue({ workerId: 'w3', limit: 5, leaseMs: 1000 }),
      [],
      'a sent row is never claimed',
    );
  });

  test('a row given back for a retry waits until its time, and a parked row returns only when staff requeue it', async () => {
    const id = (await enqueueNotification(bed.db, message('retry')))!;
    const [claimed] = await outbox.claimDue({ workerId: 'w1', limit: 5, leaseMs: 1000 });
    assert.equal(await outbox.markRetry(claimed!, 'SMTP 451: busy', 60_000), true);
    assert.deepEqual(await outbox.claimDue({ workerId: 'w1', limit: 5, leaseMs: 1000 }), []);
    const row = await outbox.get(id);
    assert.equal(row?.status, 'pending');
    assert.equal(row?.lastError, 'SMTP 451: busy');

    await bed.db.query(`UPDATE notification_outbox SET next_attempt_at = now() WHERE id = $1`, [id]);
    const [again] = await outbox.claimDue({ workerId: 'w1', limit: 5, leaseMs: 1000 });
    assert.equal(await outbox.markParked(again!, 'gave up'), true);
    assert.deepEqual(await outbox.claimDue({ workerId: 'w1', limit: 5, leaseMs: 1000 }), []);
    assert.equal(await outbox.requeue(id), true);
    const [requeued] = await outbox.claimDue({ workerId: 'w1', limit: 5, leaseMs: 1000 });
    assert.equal(requeued?.attempts, 1);
    assert.ok((await outbox.countByStatus()).sending >= 1);
  });

  test('the database refuses a status the outbox does not know', async () => {
    const id = (await enqueueNotification(bed.db, message('bad-status')))!;
    await assert.rejects(
      bed.db.query(`UPDATE notification_outbox SET status = 'delivered' WHERE id = $1`, [id]),
      /notification_outbox_status_check/,
    );
  });
});
