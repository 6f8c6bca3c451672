import type { Database } from './database.ts';
import { createEventLog } from './event-log.ts';
import { NotFoundError, StoreError } from './store-error.ts';

export const packageStates = ['awaiting_placement', 'placed', 'picked_up', 'returned', 'lost'] as const;
export type PackageState = (typeof packageStates)[number];

export interface Package {
  id: string;
  roomId: string;
  residentId: string | null;
  recipient: { firstName: string; lastName: string; apartment: string } | null;
  courierId: string | null;
  carrier: string | null;
  trackingNumber: string | null;
  recipientText: string | null;
  state: PackageState;
  slotId: string | null;
  registeredAt: Date;
  placedAt: Date | null;
  pickedUpAt: Date | null;
}

export interface NewPackage {
  roomId: string;
  residentId?: string | null;
  courierId?: string | null;
  carrier?: string | null;
  trackingNumber?: string | null;
  recipientText?: string | null;
}

export interface NewPlacement {
  packageId: string;
  slotId: string;
  cameraId?: string | null;
  confidence?: number | null;
  box?: unknown;
  observedAt: Date;
}

export interface PackageQuery {
  roomId?: string | undefined;
  state?: PackageState | undefined;
  residentId?: string | undefined;
  trackingNumber?: string | undefined;
  limit: number;
  /** Id of the last package of the previous page; pages go newest first. */
  before?: string | undefined;
}

/** Packages and what happened to them; every change is written together with its event. */
export function createPackageRepository(db: Database) {
  const events = createEventLog(db);

  const get = async (id: string): Promise<Package | undefined> => {
    const { rows } = await db.query<PackageRow>(`${packageSelect} WHERE p.id = $1`, [id]);
    return rows[0] ? toPackage(rows[0]) : undefined;
  };

  return {
    get,

    async register(pkg: NewPackage): Promise<Package> {
      const id = await db.transaction(async (tx) => {
        const { rows } = await tx.query<{ id: string }>(
          `INSERT INTO packages (room_id, resident_id, courier_id, carrier, tracking_number, recipient_text)
           VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
          [
            pkg.roomId,
            pkg.residentId ?? null,
            pkg.courierId ?? null,
            pkg.carrier ?? null,
            pkg.trackingNumber ?? null,
            pkg.recipientText ?? null,
          ],
        );
        const packageId = rows[0]!.id;
        await events.append(
          {
            roomId: pkg.roomId,
            type: 'package.registered',
            packageId,
            payload: {
              residentId: pkg.residentId ?? null,
              carrier: pkg.carrier ?? null,
              trackingNumber: pkg.trackingNumber ?? null,
            },
          },
          tx,
        );
        return packageId;
      });
      return (await get(id))!;
    },

    async recordPlacement(placement: NewPlacement): Promise<Package> {
      await db.transaction(async (tx) => {
        const { rows } = await tx.query<{ room_id: string; state: PackageState }>(
          'SELECT room_id, state FROM packages WHERE id = $1 FOR UPDATE',
          [placement.packageId],
        );
        const current = rows[0];
        if (!current) throw new NotFoundError('package', placement.packageId);
        if (current.state !== 'awaiting_placement' && current.state !== 'placed') {
          throw new StoreError(`package ${placement.packageId} is ${current.state} and cannot be placed`);
        }
        await tx.query(
          `INSERT INTO placements (package_id, room_id, slot_id, camera_id, confidence, box, observed_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7)`,
          [
            placement.packageId,
            current.room_id,
            placement.slotId,
            placement.cameraId ?? null,
            placement.confidence ?? null,
            placement.box === undefined ? null : JSON.stringify(placement.box),
            placement.observedAt,
          ],
        );
        await tx.query(
          `UPDATE packages SET state = 'placed', slot_id = $2, placed_at = $3, updated_at = now() WHERE id = $1`,
          [placement.packageId, placement.slotId, placement.observedAt],
        );
        await events.append(
          {
            roomId: current.room_id,
            type: 'package.placed',
            packageId: placement.packageId,
            payload: {
              slotId: placement.slotId,
              cameraId: placement.cameraId ?? null,
              confidence: placement.confidence ?? null,
            },
            occurredAt: placement.observedAt,
          },
          tx,
        );
      });
      return (await get(placement.packageId))!;
    },

    async list(query: PackageQuery): Promise<Package[]> {
      const { rows } = await db.query<PackageRow>(
        `${packageSelect}
         WHERE ($1::text IS NULL OR p.room_id = $1)
           AND ($2::text IS NULL OR p.state = $2)
           AND ($3::uuid IS NULL OR p.resident_id = $3)
           AND ($4::text IS NULL OR p.tracking_number = $4)
           AND ($5::uuid IS NULL OR (p.registered_at, p.id) < (SELECT registered_at, id FROM packages WHERE id = $5))
         ORDER BY p.registered_at DESC, p.id DESC
         LIMIT $6`,
        [
          query.roomId ?? null,
          query.state ?? null,
          query.residentId ?? null,
          query.trackingNumber ?? null,
          query.before ?? null,
          query.limit,
        ],
      );
      return rows.map(toPackage);
    },
  };
}

export type PackageRepository = ReturnType<typeof createPackageRepository>;

const packageSelect = `SELECT p.id, p.room_id, p.resident_id, p.courier_id, p.carrier, p.tracking_number, p.recipient_text,
  p.state, p.slot_id, p.registered_at, p.placed_at, p.picked_up_at,
  r.first_name, r.last_name, r.apartment
  FROM packages p LEFT JOIN residents r ON r.id = p.resident_id`;

interface PackageRow {
  id: string;
  room_id: string;
  resident_id: string | null;
  courier_id: string | null;
  carrier: string | null;
  tracking_number: string | null;
  recipient_text: string | null;
  state: PackageState;
  slot_id: string | null;
  registered_at: Date;
  placed_at: Date | null;
  picked_up_at: Date | null;
  first_name: string | null;
  last_name: string | null;
  apartment: string | null;
}

function toPackage(r: PackageRow): Package {
  return {
    id: r.id,
    roomId: r.room_id,
    residentId: r.resident_id,
    recipient:
      r.resident_id && r.first_name !== null && r.last_name !== null && r.apartment !== null
        ? { firstName: r.first_name, lastName: r.last_name, apartment: r.apartment }
        : null,
    courierId: r.courier_id,
    carrier: r.carrier,
    trackingNumber: r.tracking_number,
    recipientText: r.recipient_text,
    state: r.state,
    slotId: r.slot_id,
    registeredAt: r.registered_at,
    placedAt: r.placed_at,
    pickedUpAt: r.picked_up_at,
  };
}
