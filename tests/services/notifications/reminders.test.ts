import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { simpleParser } from 'mailparser';
import {
  createOutboxRepository,
  createSmsDropSender,
  enqueueDueReminders,
  enqueueResidentNotifications,
  type OutboxRepository,
} from '../../../services/notifications/index.ts';
import { createScratchFolder } from '../../support/databases.ts';
import {
  type NotificationBed,
  openNotificationBed,
  placePackage,
  startSmtpServer,
  type TestSmtpServer,
  testWorker,
} from './notification-fixtures.ts';

const day = 86_400_000;
const settings = { reminderDays: 3, maxReminders: 2 };

describe('reminders and the picked-up confirmation', () => {
  let bed: NotificationBed;
  let outbox: OutboxRepository;
  let server: TestSmtpServer;
  const folder = createScratchFolder('parcelroom-sms-');

  before(async () => {
    bed = await openNotificationBed();
    outbox = createOutboxRepository(bed.db);
    server = await startSmtpServer();
  });
  after(async () => {
    await server?.close();
    await bed?.close();
    folder.remove();
  });

  const reminderRows = async (packageId: string) =>
    (await outbox.list({ limit: 1000 })).filter(
      (r) => r.template === 'package_reminder' && r.payload.packageId === packageId,
    );
  const worker = () =>
    testWorker(bed, {
      email: server.sender(),
      sms: createSmsDropSender(folder.path),
    }).worker;

  test('a package waiting longer than the reminder days gets one reminder per channel, however often the scheduler runs', async () => {
    const now = new Date();
    const placed = await placePackage(bed, {
      placedAt: new Date(now.getTime() - 4 * day),
      phone: '+15105550199',
    });
    const fresh = await placePackage(bed, { placedAt: new Date(now.getTime() - 1 * day) });
    const first = await enqueueDueReminders(bed.db, settings, now);
    assert.ok(first.packages >= 1);
    const again = await enqueueDueReminders(bed.db, settings, now);
    assert.equal(again.messages, 0);

    const rows = await reminderRows(placed.packageId);
    assert.deepEqual(rows.map((r) => r.channel).sort(), ['email', 'sms']);
    assert.ok(rows.every((r) => r.payload.reminderNumber === 1 && r.payload.daysWaiting === 4));
    assert.deepEqual(await reminderRows(fresh.packageId), []);
    const { rows: events } = await bed.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM events WHERE type = 'package.reminder_due' AND package_id = $1`,
      [placed.packageId],
    );
    assert.equal(events[0]!.n, 1, 'one event per reminder, not one per scheduler run');

    // Three days later the second reminder is due, and after that none.
    await enqueueDueReminders(bed.db, settings, new Date(now.getTime() + 3 * day));
    await enqueueDueReminders(bed.db, settings, new Date(now.getTime() + 30 * day));
    assert.deepEqual(
      (await reminderRows(placed.packageId)).map((r) => r.payload.reminderNumber).sort(),
      [1, 1, 2, 2],
    );
  });

  test('a package that waited through several reminder periods gets only the latest reminder', async () => {
    const now = new Date();
    const placed = await placePackage(bed, { placedAt: new Date(now.getTime() - 10 * day) });
    await enqueueDueReminders(bed.db, settings, now);
    const rows = await reminderRows(placed.packageId);
    assert.deepEqual(
      rows.map((r) => r.payload.reminderNumber),
      [2],
    );
  });

  test('the reminder email says how long the package waited and where it is; a reminder for a package picked up meanwhile is cancelled', async () => {
    const now = new Date();
    const waiting = await placePackage(bed, { placedAt: new Date(now.getTime() - 5 * day), slotId: 'A5-1' });
    const collected = await placePackage(bed, { placedAt: new Date(now.getTime() - 5 * day) });
    // Clear the queue of everything but these two packages' reminders.
    await bed.db.query(`UPDATE notification_outbox SET status = 'cancelled' WHERE status = 'pending'`);
    await enqueueDueReminders(bed.db, settings, now);
    await bed.db.query(
      `UPDATE packages SET state = 'picked_up', slot_id = NULL, picked_up_at = now() WHERE id = $1`,
      [collected.packageId],
    );
    const before = server.mails.length;
    await worker().runOnce();

    const mails = await Promise.all(server.mails.slice(before).map((m) => simpleParser(m.raw)));
    assert.equal(mails.length, 1);
    assert.equal(mails[0]!.subject, 'Reminder: your package has been waiting 5 days');
    assert.match(
      mails[0]!.text ?? '',
      /Shelf A, level 5 \(from the floor\), first from the left \(slot A5-1\)/,
    );
    assert.ok(mails[0]!.attachments.some((a) => a.cid === 'shelf-map'));
    assert.equal((await reminderRows(waiting.packageId))[0]?.status, 'sent');
    const cancelled = await reminderRows(collected.packageId);
    assert.equal(cancelled[0]?.status, 'cancelled');
    assert.match(cancelled[0]?.lastError ?? '', /is picked_up, no longer waiting/);
  });

  test('the picked-up confirmation names the shelf and the time', async () => {
    const placed = await placePackage(bed, { slotId: 'B2-3' });
    await bed.db.query(`UPDATE notification_outbox SET status = 'cancelled' WHERE status = 'pending'`);
    const pickedUpAt = new Date('2026-11-30T22:15:00Z');
    await bed.db.transaction(async (tx) => {
      await tx.query(
        `UPDATE packages SET state = 'picked_up', slot_id = NULL, picked_up_at = $2 WHERE id = $1`,
        [placed.packageId, pickedUpAt],
      );
      const { rows } = await tx.query<{ id: number }>(
        `INSERT INTO events (room_id, type, package_id, payload) VALUES ('demo', 'package.picked_up', $1, '{}') RETURNING id`,
        [placed.packageId],
      );
      await enqueueResidentNotifications(tx, {
        eventId: rows[0]!.id,
        template: 'package_picked_up',
        residentId: placed.residentId,
        payload: { packageId: placed.packageId, slotId: 'B2-3', pickedUpAt: pickedUpAt.toISOString() },
      });
    });
    const before = server.mails.length;
    await worker().runOnce();
    const mails = await Promise.all(server.mails.slice(before).map((m) => simpleParser(m.raw)));
    assert.equal(mails.length, 1);
    assert.equal(mails[0]!.subject, 'Your package was picked up');
    // The test worker writes times in America/Los_Angeles.
    assert.match(
      mails[0]!.text ?? '',
      /was picked up from Shelf B, level 2 \(from the floor\), second from the right at Nov 30, 2026, 2:15\sPM/,
    );
  });
});
