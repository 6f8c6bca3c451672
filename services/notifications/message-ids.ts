import { createHash } from 'node:crypto';

/**
 * The Message-ID of the email an outbox row produces: derived from the row's dedupe key, so
 * every attempt of one row (including a re-send after a crash) carries the same id and a mail
 * client or a person can tell a repeat from a new message.
 */
export function messageIdForKey(dedupeKey: string, fromAddress: string): string {
  const domain = /@([A-Za-z0-9.-]+)>?\s*$/.exec(fromAddress)?.[1] ?? 'parcelroom.invalid';
  return `<${stableHash(dedupeKey)}@${domain}>`;
}

export function stableHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 32);
}

/** A file name that is safe everywhere and the same for the same key. */
export function fileNameForKey(key: string): string {
  return stableHash(key);
}
