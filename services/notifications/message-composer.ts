import QRCode from 'qrcode';
import type { OutboxRow, Queryable } from '../store/index.ts';
import { messageIdForKey } from './message-ids.ts';
import type { MessageTemplates } from './message-templates.ts';
import { type NotificationTemplate, parsePayload } from './notification-payloads.ts';
import type { OutgoingEmail, OutgoingSms } from './outgoing-message.ts';
import { loadPackageContext, loadPackagePhoto } from './package-context.ts';
import type { PhotoLinks } from './photo-links.ts';
import { describeShelfLocation } from './shelf-location.ts';
import { renderShelfMap } from './shelf-map.ts';

export type ComposedMessage =
  | { kind: 'email'; email: OutgoingEmail }
  | { kind: 'sms'; sms: OutgoingSms }
  | { kind: 'cancel'; reason: string };

/** The row can never become a message as it stands; a person has to look at it. */
export class UnsendableMessageError extends Error {
  override readonly name = 'UnsendableMessageError';
}

export interface ComposerSettings {
  db: Queryable;
  templates: MessageTemplates;
  fromAddress: string;
  /** Where residents reach the service, for the signed photo link; no link without it. */
  publicBaseUrl?: string | undefined;
  photoLinks?: PhotoLinks | undefined;
  photoLinkTtlMs: number;
  /** IANA time zone the times in messages are written in; the machine's when unset. */
  timeZone?: string | undefined;
}

/** Turns an outbox row into the email or text it stands for, reading the package afresh. */
export function createMessageComposer(settings: ComposerSettings) {
  const dates = new Intl.DateTimeFormat('en-US', {
    dateStyle: 'medium',
    timeStyle: 'short',
    ...(settings.timeZone ? { timeZone: settings.timeZone } : {}),
  });

  return async function compose(
    row: OutboxRow & { template: NotificationTemplate },
  ): Promise<ComposedMessage> {
    const payload = parsePayload(row.template, row.payload);
    const context = await loadPackageContext(settings.db, payload.packageId);
    if (!context) throw new UnsendableMessageError(`package ${payload.packageId} does not exist`);
    if (context.resident?.id !== payload.residentId) {
      // The PIN must never reach someone the package is not (or no longer) addressed to.
      throw new UnsendableMessageError(
        `package ${payload.packageId} is addressed to ${context.resident ? `resident ${context.resident.id}` : 'no resident'}, not to resident ${payload.residentId} named in the message`,
      );
    }
    if (row.template !== 'package_picked_up' && context.state !== 'placed') {
      return {
        kind: 'cancel',
        reason: `package ${payload.packageId} is ${context.state}, no longer waiting on a shelf`,
      };
    }
    // While it waits, the package's current slot is the truth; the event's slot may be older.
    const slotId = row.template === 'package_picked_up' ? payload.slotId : (context.slotId ?? payload.slotId);
    let location: ReturnType<typeof describeShelfLocation>;
    try {
      location = describeShelfLocation(context.layout, slotId);
    } catch (error) {
      throw new UnsendableMessageError((error as Error).message);
    }

    const photoUrl =
      context.hasPhoto && settings.photoLinks && settings.publicBaseUrl
        ? (() => {
            const expiresAt = new Date(Date.now() + settings.photoLinkTtlMs);
            const token = settings.photoLinks!.sign(context.packageId, expiresAt);
            return { url: `${settings.publicBaseUrl!.replace(/\/+$/, '')}/p/${token}/photo`, expiresAt };
          })()
        : undefined;

    const values = {
      firstName: context.resident.firstName,
      lastName: context.resident.lastName,
      apartment: context.resident.apartment,
      roomName: context.roomName,
      shelfWords: location.words,
      slotId,
      carrier: context.carrier,
      trackingNumber: context.trackingNumber,
      hasPhoto: context.hasPhoto,
      photoUrl: photoUrl?.url ?? null,
      photoLinkExpires: photoUrl ? dates.format(photoUrl.expiresAt) : null,
      pin: 'pickupPin' in payload ? payload.pickupPin : null,
      placedAt: context.placedAt ? dates.format(context.placedAt) : null,
      daysWaiting: 'daysWaiting' in payload ? payload.daysWaiting : null,
      reminderNumber: 'reminderNumber' in payload ? payload.reminderNumber : null,
      pickedUpAt: dates.format(
        'pickedUpAt' in payload && payload.pickedUpAt
          ? new Date(payload.pickedUpAt)
          : (context.pickedUpAt ?? new Date()),
      ),
    };

    if (row.channel === 'sms') {
      return {
        kind: 'sms',
        sms: {
          to: row.recipient,
          body: settings.templates.sms(row.template, values),
          idempotencyKey: row.dedupeKey,
        },
      };
    }

    const content = settings.templates.email(row.template, values);
    const inlineImages: OutgoingEmail['inlineImages'] = [];
    if (row.template !== 'package_picked_up') {
      inlineImages.push({
        contentId: 'shelf-map',
        filename: `shelf-${slotId}.png`,
        contentType: 'image/png',
        content: await renderShelfMap(context.layout, slotId),
      });
    }
    if (context.hasPhoto && row.template !== 'package_picked_up') {
      const photo = await loadPackagePhoto(settings.db, context.packageId);
      if (photo) {
        const extension =
          photo.contentType.split('/')[1] === 'jpeg' ? 'jpg' : photo.contentType.split('/')[1];
        inlineImages.push({
          contentId: 'package-photo',
          filename: `package.${extension}`,
          contentType: photo.contentType,
          content: photo.bytes,
        });
      }
    }
    if ('pickupToken' in payload) {
      inlineImages.push({
        contentId: 'pickup-qr',
        filename: 'pickup-qr.png',
        contentType: 'image/png',
        content: await QRCode.toBuffer(payload.pickupToken, {
          type: 'png',
          errorCorrectionLevel: 'M',
          margin: 4,
          width: 400,
        }),
      });
    }
    return {
      kind: 'email',
      email: {
        to: row.recipient,
        from: settings.fromAddress,
        ...content,
        messageId: messageIdForKey(row.dedupeKey, settings.fromAddress),
        inlineImages,
      },
    };
  };
}

export type MessageComposer = ReturnType<typeof createMessageComposer>;
