/**
 * What a row of `notification_outbox` is made of. The store owns these names because it writes
 * the rows (services/notifications reads them from here, never the other way round).
 */
export const notificationTemplates = ['package_placed', 'package_reminder', 'package_picked_up'] as const;
export type NotificationTemplate = (typeof notificationTemplates)[number];

export const notificationChannels = ['email', 'sms'] as const;
export type NotificationChannel = (typeof notificationChannels)[number];

/** Payload keys that are secrets: removed from the row once it is sent or cancelled. */
export const secretPayloadKeys = ['pickupPin', 'pickupToken'] as const;

/** One message to send, as the code that records an event hands it over. */
export interface OutboxMessage {
  eventId: number;
  channel: NotificationChannel;
  recipient: string;
  template: NotificationTemplate;
  payload: Record<string, unknown>;
  /** Same key, same message: a second enqueue with it is ignored. */
  dedupeKey: string;
}

/**
 * The one dedupe-key format: `<template>:<occasion>:<channel>`. The occasion is `event-<id>` for
 * a message announcing an event, or what else makes the message unique (a reminder's
 * `<packageId>:<reminderNumber>`, since each reminder round records a new event). The recipient
 * is not part of it: a resident whose address changed must not get the same message again.
 * The key also fixes the email's Message-ID and the SMS idempotency key (message-ids.ts).
 */
export function outboxDedupeKey(
  template: NotificationTemplate,
  occasion: string,
  channel: NotificationChannel,
) {
  return `${template}:${occasion}:${channel}`;
}

/** The occasion of a message that announces one event. */
export const eventOccasion = (eventId: number): string => `event-${eventId}`;
