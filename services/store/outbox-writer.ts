import type { Queryable } from './database.ts';
import {
  eventOccasion,
  type NotificationChannel,
  type NotificationTemplate,
  type OutboxMessage,
  outboxDedupeKey,
} from './outbox-message.ts';

/**
 * Puts a message into the outbox inside the caller's transaction, so that it exists exactly
 * when the event it announces does. Returns the row id, or null when a message with the same
 * dedupe key is already there.
 */
export async function enqueueNotification(tx: Queryable, message: OutboxMessage): Promise<number | null> {
  const { rows } = await tx.query<{ id: number }>(
    `INSERT INTO notification_outbox (event_id, channel, recipient, template, payload, dedupe_key)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (dedupe_key) DO NOTHING
     RETURNING id`,
    [
      message.eventId,
      message.channel,
      message.recipient,
      message.template,
      JSON.stringify(message.payload),
      message.dedupeKey,
    ],
  );
  return rows[0]?.id ?? null;
}

export interface ResidentNotification {
  eventId: number;
  template: NotificationTemplate;
  residentId: string;
  payload: Record<string, unknown>;
  /**
   * What makes the message unique when it is not the event it announces (a reminder's
   * `<packageId>:<reminderNumber>`); defaults to `event-<eventId>`.
   */
  dedupeBase?: string;
  /**
   * Secrets the message carries (the placement's pickup PIN and QR token), minted in the
   * caller's transaction and only when a message is actually written: an inactive or
   * unreachable resident, or an event already announced, mints nothing.
   */
  secrets?: (() => Promise<Record<string, unknown>>) | undefined;
}

/** The event a skipped message leaves on the package's history, for staff. */
export const skippedNotificationEvent = 'notification.skipped';

/**
 * The one way a resident is told something: one message per channel they can be reached on
 * (email, phone), in the caller's transaction, never to an inactive resident. Dedupe keys are
 * `outboxDedupeKey(template, dedupeBase, channel)`, so replaying the event enqueues nothing new;
 * a row queued before the key format was unified (`<eventId>:<channel>:<recipient>`) is
 * recognised by its event, template and channel and counts as the same message. Returns the ids
 * of the rows written.
 */
export async function enqueueResidentNotifications(
  tx: Queryable,
  notification: ResidentNotification,
): Promise<number[]> {
  const { rows } = await tx.query<{ email: string | null; phone: string | null; active: boolean }>(
    'SELECT email, phone, active FROM residents WHERE id = $1',
    [notification.residentId],
  );
  const resident = rows[0];
  if (!resident) return [];
  if (!resident.active) {
    await recordSkipped(tx, notification, 'resident_inactive');
    return [];
  }
  const queued = await channelsQueued(tx, notification);
  const targets = (
    [
      ['email', resident.email],
      ['sms', resident.phone],
    ] as Array<[NotificationChannel, string | null]>
  ).filter((t): t is [NotificationChannel, string] => t[1] !== null && t[1] !== '' && !queued.has(t[0]));
  if (targets.length === 0) return [];
  const secrets = notification.secrets ? await notification.secrets() : {};
  const payload = { ...notification.payload, residentId: notification.residentId, ...secrets };
  const base = notification.dedupeBase ?? eventOccasion(notification.eventId);
  const ids: number[] = [];
  for (const [channel, recipient] of targets) {
    const id = await enqueueNotification(tx, {
      eventId: notification.eventId,
      channel,
      recipient,
      template: notification.template,
      payload,
      dedupeKey: outboxDedupeKey(notification.template, base, channel),
    });
    if (id !== null) ids.push(id);
  }
  return ids;
}

/** Channels this event already has a message of this template on, whatever its key's format. */
async function channelsQueued(tx: Queryable, n: ResidentNotification): Promise<Set<NotificationChannel>> {
  const { rows } = await tx.query<{ channel: NotificationChannel }>(
    'SELECT channel FROM notification_outbox WHERE event_id = $1 AND template = $2',
    [n.eventId, n.template],
  );
  return new Set(rows.map((r) => r.channel));
}

/**
 * Nothing goes to an inactive resident (moved out, or switched off by staff): the package's
 * history says so instead, on the event's room and package, so staff see why no one was told.
 */
async function recordSkipped(tx: Queryable, n: ResidentNotification, reason: 'resident_inactive') {
  await tx.query(
    `INSERT INTO events (room_id, type, package_id, payload, occurred_at)
     SELECT e.room_id, $2, e.package_id, $3, e.occurred_at FROM events e WHERE e.id = $1
       AND NOT EXISTS (SELECT 1 FROM events s WHERE s.package_id = e.package_id AND s.type = $2
                       AND s.payload->>'forEventId' = $1::text AND s.payload->>'template' = $4)`,
    [
      n.eventId,
      skippedNotificationEvent,
      JSON.stringify({ template: n.template, residentId: n.residentId, reason, forEventId: n.eventId }),
      n.template,
    ],
  );
}
