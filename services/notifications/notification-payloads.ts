import { z } from 'zod';
import { slotIdPattern } from '../../calibration/index.ts';

import {
  type NotificationChannel,
  type NotificationTemplate,
  notificationChannels,
  notificationTemplates,
  secretPayloadKeys,
} from '../store/index.ts';

// The outbox's vocabulary is the store's (it writes the rows); the payloads are this folder's.
export {
  type NotificationChannel,
  type NotificationTemplate,
  notificationChannels,
  notificationTemplates,
  secretPayloadKeys,
};

const packageId = z.uuid('must be a package id (UUID)');
const residentId = z.uuid('must be a resident id (UUID)');
const slotId = z.string().regex(slotIdPattern, 'must be a slot id such as B3-2');

/**
 * What each template's outbox row carries. The PIN and the pickup token exist in clear nowhere
 * else (the package keeps only the PIN's hash), so they travel in the row and are scrubbed from
 * it once the message is out.
 */
export const payloadSchemas = {
  package_placed: z.object({
    packageId,
    slotId,
    residentId,
    pickupPin: z
      .string({ error: 'is required: the kiosk puts the pickup PIN into the outbox payload' })
      .regex(/^[0-9]{4,10}$/, 'must be the pickup PIN, 4 to 10 digits'),
    pickupToken: z
      .string({ error: 'is required: the kiosk puts the pickup QR token into the outbox payload' })
      .min(8, 'must be the pickup token the QR code carries (8 to 512 characters)')
      .max(512, 'must be the pickup token the QR code carries (8 to 512 characters)'),
  }),
  package_reminder: z.object({
    packageId,
    slotId,
    residentId,
    reminderNumber: z.number().int().min(1),
    daysWaiting: z.number().int().min(0),
  }),
  package_picked_up: z.object({
    packageId,
    slotId,
    residentId,
    pickedUpAt: z.iso.datetime({ offset: true }).optional(),
  }),
} satisfies Record<NotificationTemplate, z.ZodType>;

export type NotificationPayload<T extends NotificationTemplate> = z.infer<(typeof payloadSchemas)[T]>;

export class InvalidPayloadError extends Error {
  override readonly name = 'InvalidPayloadError';
}

/** The row's payload as its template needs it, or an error naming the field and what it must be. */
export function parsePayload<T extends NotificationTemplate>(
  template: T,
  payload: unknown,
): NotificationPayload<T> {
  const result = payloadSchemas[template].safeParse(payload);
  if (result.success) return result.data as NotificationPayload<T>;
  const issue = result.error.issues[0]!;
  const where = issue.path.length ? `payload.${issue.path.join('.')}` : 'payload';
  throw new InvalidPayloadError(`${template}: ${where} ${issue.message}`);
}

export function isNotificationTemplate(value: string): value is NotificationTemplate {
  return (notificationTemplates as readonly string[]).includes(value);
}
