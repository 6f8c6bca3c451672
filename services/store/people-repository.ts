import type { Database, Queryable } from './database.ts';
import { StoreError } from './store-error.ts';

export interface Resident {
  id: string;
  apartment: string;
  firstName: string;
  lastName: string;
  email: string | null;
  phone: string | null;
  active: boolean;
}

export interface NewResident {
  apartment: string;
  firstName: string;
  lastName: string;
  email?: string | null;
  phone?: string | null;
}

export interface Courier {
  id: string;
  name: string;
  company: string;
  /** A tag still kept in clear, or what is shown of a hashed one (`…5678`), or null. */
  rfidTag: string | null;
  active: boolean;
}

/**
 * A courier to enrol. With the kiosk's keyed lookups (`pinLookup`, `rfidLookup`, see
 * docs/kiosk-credentials.md) the PIN is found by one indexed lookup and the tag is not kept in
 * clear; without them the kiosk fills them in at the courier's first login.
 */
export interface NewCourier {
  name: string;
  company: string;
  pinHash: string;
  pinLookup?: string | null;
  /** A tag kept in clear (no `rfidLookup`), hashed at its first use. */
  rfidTag?: string | null;
  rfidLookup?: string | null;
  /** What staff are shown of a hashed tag (its last characters). */
  rfidHint?: string | null;
}

export type StaffRole = 'staff' | 'admin';

export interface StaffUser {
  id: string;
  username: string;
  displayName: string;
  role: StaffRole;
  disabled: boolean;
}

export interface NewStaffUser {
  username: string;
  displayName: string;
  passwordHash: string;
  role: StaffRole;
}

/** Residents, couriers and staff accounts: who may use the room and in which role. */
export function createPeopleRepository(db: Database) {
  return {
    async addResident(resident: NewResident, tx: Queryable = db): Promise<Resident> {
      const { rows } = await tx.query<ResidentRow>(
        `INSERT INTO residents (apartment, first_name, last_name, email, phone) VALUES ($1, $2, $3, $4, $5)
         RETURNING ${residentColumns}`,
        [
          resident.apartment,
          resident.firstName,
          resident.lastName,
          resident.email ?? null,
          resident.phone ?? null,
        ],
      );
      return toResident(rows[0]!);
    },

    async listResidents(options: { activeOnly?: boolean } = {}): Promise<Resident[]> {
      const { rows } = await db.query<ResidentRow>(
        `SELECT ${residentColumns} FROM residents ${options.activeOnly ? 'WHERE active' : ''}
         ORDER BY apartment, last_name, first_name`,
      );
      return rows.map(toResident);
    },

    async countResidents(): Promise<number> {
      const { rows } = await db.query<{ count: number }>('SELECT count(*)::int AS count FROM residents');
      return rows[0]!.count;
    },

    /** Refuses with a StoreError saying so a PIN or RFID tag that another courier has. */
    async addCourier(courier: NewCourier, tx: Queryable = db): Promise<Courier> {
      const hashedTag = courier.rfidLookup != null;
      try {
        const { rows } = await tx.query<CourierRow>(
          `INSERT INTO couriers (name, company, pin_hash, pin_lookup, rfid_tag, rfid_lookup, rfid_hint)
           VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${courierColumns}`,
          [
            courier.name,
            courier.company,
            courier.pinHash,
            courier.pinLookup ?? null,
            hashedTag ? null : (courier.rfidTag ?? null),
            courier.rfidLookup ?? null,
            hashedTag ? (courier.rfidHint ?? null) : null,
          ],
        );
        return toCourier(rows[0]!);
      } catch (error) {
        throw courierConflict(error);
      }
    },

    async listCouriers(): Promise<Courier[]> {
      const { rows } = await db.query<CourierRow>(
        `SELECT ${courierColumns} FROM couriers ORDER BY company, name`,
      );
      return rows.map(toCourier);
    },

    async addStaffUser(user: NewStaffUser, tx: Queryable = db): Promise<StaffUser> {
      const { rows } = await tx.query<StaffRow>(
        `INSERT INTO staff_users (username, display_name, password_hash, role) VALUES ($1, $2, $3, $4)
         RETURNING id, username, display_name, role, disabled`,
        [user.username.toLowerCase(), user.displayName, user.passwordHash, user.role],
      );
      return toStaff(rows[0]!);
    },

    async findStaffCredentials(
      username: string,
    ): Promise<(StaffUser & { passwordHash: string }) | undefined> {
      const { rows } = await db.query<StaffRow & { password_hash: string }>(
        'SELECT id, username, display_name, role, disabled, password_hash FROM staff_users WHERE username = $1',
        [username.toLowerCase()],
      );
      const row = rows[0];
      return row ? { ...toStaff(row), passwordHash: row.password_hash } : undefined;
    },

    async countStaffUsers(tx: Queryable = db): Promise<number> {
      const { rows } = await tx.query<{ count: number }>('SELECT count(*)::int AS count FROM staff_users');
      return rows[0]!.count;
    },
  };
}

export type PeopleRepository = ReturnType<typeof createPeopleRepository>;

// Rows and their mapping, shared with the staff repository that edits the same tables.
export const residentColumns = 'id, apartment, first_name, last_name, email, phone, active';
export const courierColumns = 'id, name, company, rfid_tag, rfid_hint, active';

export interface ResidentRow {
  id: string;
  apartment: string;
  first_name: string;
  last_name: string;
  email: string | null;
  phone: string | null;
  active: boolean;
}

export interface CourierRow {
  id: string;
  name: string;
  company: string;
  rfid_tag: string | null;
  rfid_hint: string | null;
  active: boolean;
}

export interface StaffRow {
  id: string;
  username: string;
  display_name: string;
  role: StaffRole;
  disabled: boolean;
}

export function toResident(r: ResidentRow): Resident {
  return {
    id: r.id,
    apartment: r.apartment,
    firstName: r.first_name,
    lastName: r.last_name,
    email: r.email,
    phone: r.phone,
    active: r.active,
  };
}

export function toCourier(r: CourierRow): Courier {
  const rfidTag = r.rfid_tag ?? (r.rfid_hint ? `…${r.rfid_hint}` : null);
  return { id: r.id, name: r.name, company: r.company, rfidTag, active: r.active };
}

const courierConflicts: Record<string, string> = {
  couriers_pin_lookup_key: 'this PIN belongs to another courier; choose another',
  couriers_rfid_lookup_key: 'this RFID tag belongs to another courier',
  couriers_rfid_tag_key: 'this RFID tag belongs to another courier',
};

function courierConflict(error: unknown): unknown {
  const e = error as { code?: string; constraint?: string };
  const message = e.code === '23505' && e.constraint ? courierConflicts[e.constraint] : undefined;
  return message ? new StoreError(message) : error;
}

export function toStaff(r: StaffRow): StaffUser {
  return { id: r.id, username: r.username, displayName: r.display_name, role: r.role, disabled: r.disabled };
}
