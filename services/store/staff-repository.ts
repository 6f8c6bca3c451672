import type { Database, Queryable } from './database.ts';
import {
  type Courier,
  type CourierRow,
  courierColumns,
  type Resident,
  type ResidentRow,
  residentColumns,
  type StaffRole,
  type StaffRow,
  type StaffUser,
  toCourier,
  toResident,
  toStaff,
} from './people-repository.ts';
import { NotFoundError, StoreError } from './store-error.ts';

export interface StaffSession {
  user: StaffUser;
  expiresAt: Date;
}

export interface ResidentChanges {
  apartment?: string | undefined;
  firstName?: string | undefined;
  lastName?: string | undefined;
  email?: string | null | undefined;
  phone?: string | null | undefined;
  active?: boolean | undefined;
}

export interface CourierChanges {
  name?: string | undefined;
  company?: string | undefined;
  rfidTag?: string | null | undefined;
  active?: boolean | undefined;
  pinHash?: string | undefined;
  /** The kiosk's keyed lookup of the new PIN; without it the kiosk writes it at the next login. */
  pinLookup?: string | undefined;
}

export interface StaffUserChanges {
  displayName?: string | undefined;
  role?: StaffRole | undefined;
  disabled?: boolean | undefined;
  passwordHash?: string | undefined;
}

/**
 * What the staff page changes besides flags: sessions, residents, couriers and staff accounts.
 * Every change takes the caller's transaction, so it can be written together with its audit row.
 */
export function createStaffRepository(db: Database) {
  return {
    async createSession(
      session: {
        idSha256: string;
        staffUserId: string;
        expiresAt: Date;
        ip: string | null;
        userAgent: string | null;
      },
      tx: Queryable = db,
    ): Promise<void> {
      await tx.query(
        `INSERT INTO staff_sessions (id_sha256, staff_user_id, expires_at, ip, user_agent) VALUES ($1, $2, $3, $4, $5)`,
        [
          session.idSha256,
          session.staffUserId,
          session.expiresAt,
          session.ip,
          session.userAgent?.slice(0, 300) ?? null,
        ],
      );
    },

    /** The live session with this id hash, its account enabled; touching it keeps it seen. */
    async findSession(idSha256: string): Promise<StaffSession | undefined> {
      const { rows } = await db.query<StaffRow & { expires_at: Date }>(
        `UPDATE staff_sessions s SET last_seen_at = now() FROM staff_users u
         WHERE s.id_sha256 = $1 AND s.expires_at > now() AND u.id = s.staff_user_id AND NOT u.disabled
         RETURNING u.id, u.username, u.display_name, u.role, u.disabled, s.expires_at`,
        [idSha256],
      );
      const row = rows[0];
      return row ? { user: toStaff(row), expiresAt: row.expires_at } : undefined;
    },

    async deleteSession(idSha256: string, tx: Queryable = db): Promise<void> {
      await tx.query('DELETE FROM staff_sessions WHERE id_sha256 = $1', [idSha256]);
    },

    async deleteSessionsOf(staffUserId: string, tx: Queryable = db): Promise<number> {
      const { rowCount } = await tx.query('DELETE FROM staff_sessions WHERE staff_user_id = $1', [
        staffUserId,
      ]);
      return rowCount ?? 0;
    },

    async deleteExpiredSessions(): Promise<number> {
      const { rowCount } = await db.query('DELETE FROM staff_sessions WHERE expires_at <= now()');
      return rowCount ?? 0;
    },

    async getResident(id: string, tx: Queryable = db): Promise<Resident | undefined> {
      const { rows } = await tx.query<ResidentRow>(`SELECT ${residentColumns} FROM residents WHERE id = $1`, [
        id,
      ]);
      return rows[0] ? toResident(rows[0]) : undefined;
    },

    async searchResidents(query: {
      text?: string | undefined;
      activeOnly?: boolean;
      limit: number;
    }): Promise<Resident[]> {
      const { rows } = await db.query<ResidentRow>(
        `SELECT ${residentColumns} FROM residents
         WHERE ($1::text IS NULL OR apartment ILIKE $1 || '%' OR (first_name || ' ' || last_name) ILIKE '%' || $1 || '%'
                OR email ILIKE '%' || $1 || '%')
           AND ($2::boolean IS FALSE OR active)
         ORDER BY apartment, last_name, first_name LIMIT $3`,
        [query.text ?? null, query.activeOnly ?? false, query.limit],
      );
      return rows.map(toResident);
    },

    async updateResident(id: string, changes: ResidentChanges, tx: Queryable = db): Promise<Resident> {
      const { rows } = await tx.query<ResidentRow>(
        `UPDATE residents SET
           apartment = coalesce($2, apartment), first_name = coalesce($3, first_name),
           last_name = coalesce($4, last_name),
           email = CASE WHEN $5::boolean THEN $6 ELSE email END,
           phone = CASE WHEN $7::boolean THEN $8 ELSE phone END,
           active = coalesce($9, active), updated_at = now()
         WHERE id = $1 RETURNING ${residentColumns}`,
        [
          id,
          changes.apartment ?? null,
          changes.firstName ?? null,
          changes.lastName ?? null,
          changes.email !== undefined,
          changes.email ?? null,
          changes.phone !== undefined,
          changes.phone ?? null,
          changes.active ?? null,
        ],
      );
      if (!rows[0]) throw new NotFoundError('resident', id);
      return toResident(rows[0]);
    },

    async getCourier(id: string, tx: Queryable = db): Promise<Courier | undefined> {
      const { rows } = await tx.query<CourierRow>(`SELECT ${courierColumns} FROM couriers WHERE id = $1`, [
        id,
      ]);
      return rows[0] ? toCourier(rows[0]) : undefined;
    },

    async updateCourier(id: string, changes: CourierChanges, tx: Queryable = db): Promise<Courier> {
      try {
        const { rows } = await tx.query<CourierRow>(
          `UPDATE couriers SET name = coalesce($2, name), company = coalesce($3, company),
             rfid_tag = CASE WHEN $4::boolean THEN $5 ELSE rfid_tag END,
             active = coalesce($6, active), pin_hash = coalesce($7, pin_hash),
             -- A changed tag or PIN drops the old keyed lookup, or the old one would still log in;
             -- the kiosk writes the new one at its first use (docs/kiosk-credentials.md).
             rfid_lookup = CASE WHEN $4::boolean THEN NULL ELSE rfid_lookup END,
             rfid_hint = CASE WHEN $4::boolean THEN NULL ELSE rfid_hint END,
             pin_lookup = CASE WHEN $7::text IS NULL THEN pin_lookup ELSE $8 END
           WHERE id = $1 RETURNING ${courierColumns}`,
          [
            id,
            changes.name ?? null,
            changes.company ?? null,
            changes.rfidTag !== undefined,
            changes.rfidTag ?? null,
            changes.active ?? null,
            changes.pinHash ?? null,
            changes.pinLookup ?? null,
          ],
        );
        if (!rows[0]) throw new NotFoundError('courier', id);
        return toCourier(rows[0]);
      } catch (error) {
        throw uniqueViolation(
          uniqueViolation(
            error,
            'couriers_pin_lookup_key',
            'this PIN belongs to another courier; choose another',
          ),
          'couriers_rfid_tag_key',
          `RFID tag ${changes.rfidTag} belongs to another courier`,
        );
      }
    },

    async listStaffUsers(): Promise<StaffUser[]> {
      const { rows } = await db.query<StaffRow>(
        'SELECT id, username, display_name, role, disabled FROM staff_users ORDER BY username',
      );
      return rows.map(toStaff);
    },

    async getStaffUser(id: string, tx: Queryable = db): Promise<StaffUser | undefined> {
      const { rows } = await tx.query<StaffRow>(
        'SELECT id, username, display_name, role, disabled FROM staff_users WHERE id = $1',
        [id],
      );
      return rows[0] ? toStaff(rows[0]) : undefined;
    },

    async updateStaffUser(id: string, changes: StaffUserChanges, tx: Queryable = db): Promise<StaffUser> {
      const { rows } = await tx.query<StaffRow>(
        `UPDATE staff_users SET display_name = coalesce($2, display_name), role = coalesce($3, role),
           disabled = coalesce($4, disabled), password_hash = coalesce($5, password_hash)
         WHERE id = $1 RETURNING id, username, display_name, role, disabled`,
        [
          id,
          changes.displayName ?? null,
          changes.role ?? null,
          changes.disabled ?? null,
          changes.passwordHash ?? null,
        ],
      );
      if (!rows[0]) throw new NotFoundError('staff account', id);
      return toStaff(rows[0]);
    },

    /** Enabled admins other than `exceptId`: the last one must not lock everyone out. */
    async countOtherAdmins(exceptId: string, tx: Queryable = db): Promise<number> {
      const { rows } = await tx.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM staff_users WHERE role = 'admin' AND NOT disabled AND id <> $1`,
        [exceptId],
      );
      return rows[0]!.n;
    },
  };
}

export type StaffRepository = ReturnType<typeof createStaffRepository>;

/** A unique-constraint violation as a `StoreError` a person can act on; anything else unchanged. */
export function uniqueViolation(error: unknown, constraint: string, message: string): unknown {
  const e = error as { code?: string; constraint?: string };
  if (e.code === '23505' && (e.constraint === constraint || e.constraint === undefined))
    return new StoreError(message);
  return error;
}
