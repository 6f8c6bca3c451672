import type { Database } from '../store/index.ts';

export interface KioskResident {
  id: string;
  firstName: string;
  lastName: string;
  apartment: string;
  active: boolean;
}

export interface KioskPackageRow {
  id: string;
  slotId: string | null;
  carrier: string | null;
  trackingNumber: string | null;
  photoImageId: string | null;
}

/** The rows the kiosk reads: residents to choose from, packages to show (couriers: courier-credentials.ts). */
export function createKioskRepository(db: Database) {
  return {
    async activeResidents(): Promise<KioskResident[]> {
      const { rows } = await db.query<ResidentRow>(`SELECT ${residentColumns} FROM residents WHERE active`);
      return rows.map(toResident);
    },

    async resident(id: string): Promise<KioskResident | undefined> {
      const { rows } = await db.query<ResidentRow>(`SELECT ${residentColumns} FROM residents WHERE id = $1`, [
        id,
      ]);
      return rows[0] ? toResident(rows[0]) : undefined;
    },

    /** Active residents whose name or apartment contains the query (case-insensitive). */
    async searchResidents(query: string, limit = 10): Promise<KioskResident[]> {
      const like = `%${query.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      const { rows } = await db.query<ResidentRow>(
        `SELECT ${residentColumns} FROM residents
         WHERE active AND (first_name || ' ' || last_name ILIKE $1 OR last_name || ' ' || first_name ILIKE $1
                           OR apartment ILIKE $1)
         ORDER BY apartment, last_name, first_name LIMIT $2`,
        [like, limit],
      );
      return rows.map(toResident);
    },

    async packages(ids: readonly string[]): Promise<Map<string, KioskPackageRow>> {
      if (ids.length === 0) return new Map();
      const { rows } = await db.query<{
        id: string;
        slot_id: string | null;
        carrier: string | null;
        tracking_number: string | null;
        photo_image_id: string | null;
      }>(
        'SELECT id, slot_id, carrier, tracking_number, photo_image_id FROM packages WHERE id = ANY($1::uuid[])',
        [[...ids]],
      );
      return new Map(
        rows.map((r) => [
          r.id,
          {
            id: r.id,
            slotId: r.slot_id,
            carrier: r.carrier,
            trackingNumber: r.tracking_number,
            photoImageId: r.photo_image_id,
          },
        ]),
      );
    },
  };
}

export type KioskRepository = ReturnType<typeof createKioskRepository>;

const residentColumns = 'id, first_name, last_name, apartment, active';
interface ResidentRow {
  id: string;
  first_name: string;
  last_name: string;
  apartment: string;
  active: boolean;
}
const toResident = (r: ResidentRow): KioskResident => ({
  id: r.id,
  firstName: r.first_name,
  lastName: r.last_name,
  apartment: r.apartment,
  active: r.active,
});
