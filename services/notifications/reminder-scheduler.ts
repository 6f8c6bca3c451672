import { type Database, enqueueResidentNotifications } from '../store/index.ts';

export interface ReminderSettings {
  /** A reminder goes out every this many days a package waits… */
  reminderDays: number;
  /** …this many times at most. */
  maxReminders: number;
}

export interface ReminderRound {
  packages: number;
  messages: number;
}

/**
 * Enqueues a `package_reminder` for every package that has waited another `reminderDays` on
 * its shelf. A package that waited long enough for several reminders gets only the latest
 * one; the dedupe key (package, reminder number, channel) keeps each reminder to one message
 * however often this runs. Schedulers in several processes take turns on an advisory lock.
 */
export async function enqueueDueReminders(
  db: Database,
  settings: ReminderSettings,
  now: Date = new Date(),
): Promise<ReminderRound> {
  if (settings.maxReminders < 1) return { packages: 0, messages: 0 };
  return db.transaction(async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext('parcelroom.notification-reminders'))`);
    const { rows } = await tx.query<{
      id: string;
      room_id: string;
      slot_id: string;
      resident_id: string;
      reminder_number: number;
      days_waiting: number;
    }>(
      `WITH waiting AS (
         SELECT p.id, p.room_id, p.slot_id, p.resident_id,
                floor(extract(epoch FROM ($1::timestamptz - p.placed_at)) / 86400)::int AS days_waiting
         FROM packages p JOIN residents r ON r.id = p.resident_id AND r.active
           AND (r.email IS NOT NULL OR r.phone IS NOT NULL)
         WHERE p.state = 'placed' AND p.placed_at IS NOT NULL
       ), due AS (
         SELECT *, least($3::int, days_waiting / $2::int) AS reminder_number FROM waiting
       )
       SELECT id, room_id, slot_id, resident_id, reminder_number, days_waiting FROM due
       WHERE reminder_number >= 1 AND NOT EXISTS (
         SELECT 1 FROM notification_outbox o WHERE o.dedupe_key IN (
           'package_reminder:' || due.id || ':' || due.reminder_number || ':email',
           'package_reminder:' || due.id || ':' || due.reminder_number || ':sms'))
       ORDER BY id`,
      [now, settings.reminderDays, settings.maxReminders],
    );
    let messages = 0;
    let packages = 0;
    for (const due of rows) {
      const { rows: events } = await tx.query<{ id: number }>(
        `INSERT INTO events (room_id, type, package_id, payload, occurred_at)
         VALUES ($1, 'package.reminder_due', $2, $3, $4) RETURNING id`,
        [
          due.room_id,
          due.id,
          JSON.stringify({ reminderNumber: due.reminder_number, daysWaiting: due.days_waiting }),
          now,
        ],
      );
      const ids = await enqueueResidentNotifications(tx, {
        eventId: events[0]!.id,
        template: 'package_reminder',
        residentId: due.resident_id,
        dedupeBase: `${due.id}:${due.reminder_number}`,
        payload: {
          packageId: due.id,
          slotId: due.slot_id,
          reminderNumber: due.reminder_number,
          daysWaiting: due.days_waiting,
        },
      });
      if (ids.length > 0) packages++;
      messages += ids.length;
    }
    return { packages, messages };
  });
}
