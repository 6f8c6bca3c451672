import argon2 from 'argon2';
import type { Database } from '../store/index.ts';

/** The service secret's HMAC of a value for a purpose (`PickupCredentials.keyedHash`). */
export type KeyedHash = (purpose: string, value: string) => string;

export interface KioskCourier {
  id: string;
  name: string;
  company: string;
}

/** The lookup columns of a courier's PIN and RFID tag (docs/kiosk-credentials.md). */
export function courierLookups(keyedHash: KeyedHash) {
  return {
    pin: (pin: string) => keyedHash('courier-pin', pin),
    rfid: (tag: string) => keyedHash('courier-rfid', tag),
    /** What staff are shown of an enrolled tag. */
    rfidHint: (tag: string) => tag.slice(-4),
  };
}

export type CourierLookups = ReturnType<typeof courierLookups>;

/**
 * Finds the courier a PIN or RFID tag belongs to: by the keyed HMAC lookup column, then exactly
 * one argon2 check of that courier's PIN hash. Couriers enrolled before the lookup columns (or
 * changed by a path that does not fill them) have none yet; they are found the old way once and
 * their lookup written then, so the slow path shrinks to nothing as couriers log in.
 */
export function createCourierCredentials(db: Database, keyedHash: KeyedHash) {
  const lookups = courierLookups(keyedHash);

  const claim = async (id: string, set: string, params: unknown[]): Promise<void> => {
    try {
      await db.query(`UPDATE couriers SET ${set} WHERE id = $1`, [id, ...(params as string[])]);
    } catch (error) {
      // Another courier already holds that lookup (a duplicate PIN from before PINs were unique):
      // this courier keeps the old path, and staff should give one of them a new PIN.
      if ((error as { code?: string }).code !== '23505') throw error;
    }
  };

  return {
    lookups,

    async findByPin(pin: string): Promise<KioskCourier | undefined> {
      const lookup = lookups.pin(pin);
      const { rows } = await db.query<KioskCourier & { pin_hash: string }>(
        'SELECT id, name, company, pin_hash FROM couriers WHERE active AND pin_lookup = $1',
        [lookup],
      );
      const keyed = rows[0];
      if (keyed) return (await verify(keyed.pin_hash, pin)) ? courierOf(keyed) : undefined;
      const legacy = await db.query<KioskCourier & { pin_hash: string }>(
        'SELECT id, name, company, pin_hash FROM couriers WHERE active AND pin_lookup IS NULL ORDER BY id',
      );
      for (const row of legacy.rows) {
        if (!(await verify(row.pin_hash, pin))) continue;
        await claim(row.id, 'pin_lookup = $2', [lookup]);
        return courierOf(row);
      }
      return undefined;
    },

    async findByRfid(tag: string): Promise<KioskCourier | undefined> {
      const lookup = lookups.rfid(tag);
      const { rows } = await db.query<KioskCourier>(
        'SELECT id, name, company FROM couriers WHERE active AND rfid_lookup = $1',
        [lookup],
      );
      if (rows[0]) return courierOf(rows[0]);
      // A tag still kept in clear (enrolled before hashing, or set since by the staff page): it is
      // hashed at its first use and the clear value dropped.
      const legacy = await db.query<KioskCourier>(
        'SELECT id, name, company FROM couriers WHERE active AND rfid_tag = $1',
        [tag],
      );
      const row = legacy.rows[0];
      if (!row) return undefined;
      await claim(row.id, 'rfid_lookup = $2, rfid_hint = $3, rfid_tag = NULL', [
        lookup,
        lookups.rfidHint(tag),
      ]);
      return courierOf(row);
    },
  };
}

export type CourierCredentials = ReturnType<typeof createCourierCredentials>;

const verify = (hash: string, pin: string) => argon2.verify(hash, pin).catch(() => false);
const courierOf = (r: KioskCourier): KioskCourier => ({ id: r.id, name: r.name, company: r.company });
