import type { Database, Queryable } from './database.ts';

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
  rfidTag: string | null;
  active: boolean;
}

export interface NewCourier {
  name: string;
  company: string;
  pinHash: string;
  rfidTag?: string | null;
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

    async addCourier(courier: NewCourier, tx: Queryable = db): Promise<Courier> {
      const { rows } = await tx.query<CourierRow>(
        `INSERT INTO couriers (name, company, pin_hash, rfid_tag) VALUES ($1, $2, $3, $4)
         RETURNING id, name, company, rfid_tag, active`,
        [courier.name, courier.company, courier.pinHash, courier.rfidTag ?? null],
      );
      return toCourier(rows[0]!);
    },

    async listCouriers(): Promise<Courier[]> {
      const { rows } = await db.query<CourierRow>(
        'SELECT id, name, company, rfid_tag, active FROM couriers ORDER BY company, name',
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
export const courierColumns = 'id, name, company, rfid_tag, active';

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
  return { id: r.id, name: r.name, company: r.company, rfidTag: r.rfid_tag, active: r.active };
}

export function toStaff(r: StaffRow): StaffUser {
  return { id: r.id, username: r.username, displayName: r.display_name, role: r.role, disabled: r.disabled };
}
