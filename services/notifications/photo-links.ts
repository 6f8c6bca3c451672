import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * A resident's link to their package photo: the package id and an expiry, signed with HMAC-SHA256
 * under a secret only the service knows. Anyone holding the link sees that one photo until it
 * expires, and nothing else; changing any character breaks the signature.
 *
 * Format: `<package id, 32 hex>.<expiry, unix seconds, base 36>.<signature, base64url>`, short
 * enough for a text message and safe in a URL path.
 */
export type PhotoLinkFailure = 'malformed' | 'tampered' | 'expired' | 'wrong_package';

export type PhotoLinkCheck =
  | { ok: true; packageId: string; expiresAt: Date }
  | { ok: false; reason: PhotoLinkFailure };

export interface PhotoLinks {
  sign(packageId: string, expiresAt: Date): string;
  /** `expectPackageId` refuses a valid link to some other package. */
  verify(token: string, options?: { now?: Date; expectPackageId?: string }): PhotoLinkCheck;
}

const uuid = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

export class PhotoLinkSecretError extends Error {
  override readonly name = 'PhotoLinkSecretError';
}

export function createPhotoLinks(secret: string | Buffer): PhotoLinks {
  const key = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret;
  if (key.length < 16) {
    throw new PhotoLinkSecretError(
      'the photo link secret must be at least 16 bytes (32 random hex characters)',
    );
  }
  const signature = (body: string) => createHmac('sha256', key).update(`photo-link.v1.${body}`).digest();

  return {
    sign(packageId, expiresAt) {
      if (!uuid.test(packageId)) throw new TypeError(`package id ${packageId} is not a UUID`);
      const body = `${packageId.replaceAll('-', '').toLowerCase()}.${Math.floor(expiresAt.getTime() / 1000).toString(36)}`;
      return `${body}.${signature(body).toString('base64url')}`;
    },

    verify(token, options = {}) {
      const match = /^([0-9a-f]{32})\.([0-9a-z]{1,12})\.([A-Za-z0-9_-]{43})$/.exec(token);
      if (!match) return { ok: false, reason: 'malformed' };
      const [, hex, expiry, given] = match as unknown as [string, string, string, string];
      // Compared as text: base64 leaves spare bits in the last character, and decoding first
      // would accept several spellings of one signature.
      const expected = Buffer.from(signature(`${hex}.${expiry}`).toString('base64url'));
      const presented = Buffer.from(given);
      if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) {
        return { ok: false, reason: 'tampered' };
      }
      const packageId = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
      const expiresAt = new Date(Number.parseInt(expiry, 36) * 1000);
      if ((options.now ?? new Date()).getTime() >= expiresAt.getTime())
        return { ok: false, reason: 'expired' };
      if (options.expectPackageId && options.expectPackageId.toLowerCase() !== packageId) {
        return { ok: false, reason: 'wrong_package' };
      }
      return { ok: true, packageId, expiresAt };
    },
  };
}
