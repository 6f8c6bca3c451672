import { createHmac, randomInt, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Database, Queryable } from '../store/index.ts';

/** Why a QR token was not accepted. */
export type PickupTokenFailure = 'token_invalid' | 'token_expired' | 'token_used';

export type PickupLookup =
  | { ok: true; packageId: string; residentId: string; credentialId?: string }
  | { ok: false; reason: 'wrong_pin' | PickupTokenFailure };

export interface PickupCredentialsOptions {
  /** The key of PIN hashes and token signatures (≥ 32 characters). */
  secret: string;
  /** How long a QR token works (default 14 days). */
  tokenLifetimeMs?: number;
  /** Tests draw PINs from a sequence to provoke collisions; random by default. */
  drawPin?: () => string;
}

const tokenPrefix = 'pr1';
/** Ten digits, typed in groups of 3-3-4: the length the guessing bound needs (docs/kiosk-credentials.md). */
export const pickupPinDigits = 10;
const maxDraws = 50;

/**
 * Pickup PINs and QR tokens (docs/kiosk-protocol.md "Credentials"). Minted in the placement's
 * transaction; the PIN is kept only as a keyed hash on the package, the token's use in
 * `pickup_credentials`.
 */
export function createPickupCredentials(db: Database, options: PickupCredentialsOptions) {
  if (options.secret.length < 32)
    throw new RangeError('the pickup credentials secret needs at least 32 characters');
  const key = Buffer.from(options.secret, 'utf8');
  const lifetimeMs = options.tokenLifetimeMs ?? 14 * 24 * 3600_000;
  const drawPin =
    options.drawPin ?? (() => String(randomInt(0, 10 ** pickupPinDigits)).padStart(pickupPinDigits, '0'));

  // The room is part of the hashed text so that one PIN hashes differently in two rooms.
  const pinHash = (roomId: string, pin: string) =>
    createHmac('sha256', key).update(`${roomId}:${pin}`).digest('hex');
  const sign = (body: string) => createHmac('sha256', key).update(body).digest('base64url');

  return {
    pinHash,

    /**
     * The secret's HMAC of a value for one purpose (hex), for lookup columns such as the couriers'
     * PIN and RFID tag: the purpose is hashed with the value so the same digits never hash alike
     * for two purposes.
     */
    keyedHash(purpose: string, value: string): string {
      return createHmac('sha256', key).update(`${purpose}\u0000${value}`).digest('hex');
    },

    /**
     * Called by the ledger repository inside the placement's transaction (which holds the room's
     * advisory lock, so two placements cannot draw the same PIN at once).
     */
    async mint(
      tx: Queryable,
      placed: { roomId: string; packageId: string; residentId: string; atMs: number },
    ): Promise<{ pickupPin: string; pickupToken: string }> {
      let pin: string | undefined;
      let hash = '';
      for (let draw = 0; draw < maxDraws && pin === undefined; draw++) {
        const candidate = drawPin();
        hash = pinHash(placed.roomId, candidate);
        const clash = await tx.query(
          `SELECT 1 FROM packages WHERE room_id = $1 AND state = 'placed' AND pickup_pin_hash = $2 AND id <> $3`,
          [placed.roomId, hash, placed.packageId],
        );
        if ((clash.rowCount ?? 0) === 0) pin = candidate;
      }
      if (pin === undefined) throw new Error(`no free pickup PIN after ${maxDraws} draws`);
      await tx.query('UPDATE packages SET pickup_pin_hash = $2 WHERE id = $1', [placed.packageId, hash]);
      const credentialId = randomUUID();
      const expiresAtMs = placed.atMs + lifetimeMs;
      await tx.query(
        `INSERT INTO pickup_credentials (id, room_id, package_id, resident_id, expires_at)
         VALUES ($1, $2, $3, $4, $5)`,
        [credentialId, placed.roomId, placed.packageId, placed.residentId, new Date(expiresAtMs)],
      );
      const body = `${tokenPrefix}.${credentialId}.${expiresAtMs}`;
      return { pickupPin: pin, pickupToken: `${body}.${sign(body)}` };
    },

    /** The package on a shelf of this room whose pickup PIN this is. */
    async findByPin(roomId: string, pin: string): Promise<PickupLookup> {
      const { rows } = await db.query<{ id: string; resident_id: string | null }>(
        `SELECT id, resident_id FROM packages WHERE room_id = $1 AND state = 'placed' AND pickup_pin_hash = $2`,
        [roomId, pinHash(roomId, pin)],
      );
      const row = rows[0];
      if (!row?.resident_id) return { ok: false, reason: 'wrong_pin' };
      return { ok: true, packageId: row.id, residentId: row.resident_id };
    },

    /**
     * Checks a QR token and claims it: of two kiosks presenting it at once one gets it and the
     * other `token_used`. `release` gives a claimed token back when the pickup could not start.
     */
    async claimToken(roomId: string, token: string, deviceId: string, nowMs: number): Promise<PickupLookup> {
      const parts = token.split('.');
      if (parts.length !== 4 || parts[0] !== tokenPrefix) return { ok: false, reason: 'token_invalid' };
      const [, credentialId, expires, signature] = parts as [string, string, string, string];
      const expected = Buffer.from(sign(`${tokenPrefix}.${credentialId}.${expires}`));
      const given = Buffer.from(signature);
      if (given.length !== expected.length || !timingSafeEqual(given, expected))
        return { ok: false, reason: 'token_invalid' };
      if (!/^\d{1,16}$/.test(expires) || Number(expires) <= nowMs)
        return { ok: false, reason: 'token_expired' };
      const claimed = await db.query<{ package_id: string; resident_id: string }>(
        `UPDATE pickup_credentials SET used_at = $4, used_by = $3
         WHERE id = $1 AND room_id = $2 AND used_at IS NULL RETURNING package_id, resident_id`,
        [credentialId, roomId, deviceId, new Date(nowMs)],
      );
      const row = claimed.rows[0];
      if (row) return { ok: true, packageId: row.package_id, residentId: row.resident_id, credentialId };
      const known = await db.query('SELECT 1 FROM pickup_credentials WHERE id = $1 AND room_id = $2', [
        credentialId,
        roomId,
      ]);
      return { ok: false, reason: (known.rowCount ?? 0) > 0 ? 'token_used' : 'token_invalid' };
    },

    async releaseToken(credentialId: string): Promise<void> {
      await db.query('UPDATE pickup_credentials SET used_at = NULL, used_by = NULL WHERE id = $1', [
        credentialId,
      ]);
    },
  };
}

export type PickupCredentials = ReturnType<typeof createPickupCredentials>;
