import type { RoomLayout } from '../../calibration/index.ts';
import type { Queryable } from '../store/index.ts';
import { roomLayoutFromRecord } from './shelf-location.ts';

export interface PackagePhoto {
  bytes: Buffer;
  contentType: 'image/jpeg' | 'image/png' | 'image/webp';
}

/** What a message about one package is written from, read fresh when it is sent. */
export interface PackageContext {
  packageId: string;
  state: string;
  roomId: string;
  roomName: string;
  layout: RoomLayout;
  slotId: string | null;
  carrier: string | null;
  trackingNumber: string | null;
  placedAt: Date | null;
  pickedUpAt: Date | null;
  resident: { id: string; firstName: string; lastName: string; apartment: string } | null;
  hasPhoto: boolean;
}

export async function loadPackageContext(
  db: Queryable,
  packageId: string,
): Promise<PackageContext | undefined> {
  const { rows } = await db.query<{
    id: string;
    state: string;
    room_id: string;
    room_name: string;
    layout: unknown;
    slot_id: string | null;
    carrier: string | null;
    tracking_number: string | null;
    placed_at: Date | null;
    picked_up_at: Date | null;
    resident_id: string | null;
    first_name: string | null;
    last_name: string | null;
    apartment: string | null;
    has_photo: boolean;
  }>(
    `SELECT p.id, p.state, p.room_id, rm.name AS room_name, rm.layout, p.slot_id, p.carrier, p.tracking_number,
            p.placed_at, p.picked_up_at, p.resident_id, r.first_name, r.last_name, r.apartment,
            (p.photo_image_id IS NOT NULL OR EXISTS (
               SELECT 1 FROM placements pl WHERE pl.package_id = p.id AND pl.snapshot_image_id IS NOT NULL)) AS has_photo
     FROM packages p JOIN rooms rm ON rm.id = p.room_id LEFT JOIN residents r ON r.id = p.resident_id
     WHERE p.id = $1`,
    [packageId],
  );
  const r = rows[0];
  if (!r) return undefined;
  return {
    packageId: r.id,
    state: r.state,
    roomId: r.room_id,
    roomName: r.room_name,
    layout: roomLayoutFromRecord(r.layout, r.room_id),
    slotId: r.slot_id,
    carrier: r.carrier,
    trackingNumber: r.tracking_number,
    placedAt: r.placed_at,
    pickedUpAt: r.picked_up_at,
    resident:
      r.resident_id && r.first_name !== null
        ? {
            id: r.resident_id,
            firstName: r.first_name,
            lastName: r.last_name ?? '',
            apartment: r.apartment ?? '',
          }
        : null,
    hasPhoto: r.has_photo,
  };
}

/**
 * The package's photo: the one chosen for it (`photo_image_id`), else the newest placement
 * snapshot. Undefined when there is none.
 */
export async function loadPackagePhoto(db: Queryable, packageId: string): Promise<PackagePhoto | undefined> {
  const { rows } = await db.query<{ bytes: Buffer; content_type: PackagePhoto['contentType'] }>(
    `SELECT i.bytes, i.content_type FROM images i
     WHERE i.id = coalesce(
       (SELECT photo_image_id FROM packages WHERE id = $1),
       (SELECT snapshot_image_id FROM placements WHERE package_id = $1 AND snapshot_image_id IS NOT NULL
        ORDER BY observed_at DESC, recorded_at DESC LIMIT 1))`,
    [packageId],
  );
  const r = rows[0];
  return r ? { bytes: r.bytes, contentType: r.content_type } : undefined;
}
