import { createHash } from 'node:crypto';
import type { Database, Queryable } from './database.ts';
import { StoreError } from './store-error.ts';

/** A room as the store keeps it: the layout flattened to rows. */
export interface RoomRecord {
  id: string;
  name: string;
  /** The layout document as loaded, kept whole for later readers (kiosk map, calibration). */
  layout: unknown;
  units: Array<{
    id: string;
    widthCm: number;
    depthCm: number;
    position: unknown;
    levels: Array<{ number: number; heightCm: number; clearanceCm: number }>;
  }>;
  slots: Array<{
    id: string;
    unitId: string;
    levelNumber: number;
    slotIndex: number;
    offsetCm: number;
    widthCm: number;
    depthCm: number;
    heightCm: number;
  }>;
  cameras: Array<{ id: string; name: string; widthPx: number; heightPx: number; view: unknown }>;
}

export interface RoomSummary {
  id: string;
  name: string;
  unitCount: number;
  slotCount: number;
  cameraCount: number;
  occupiedSlotCount: number;
  updatedAt: Date;
}

export interface SlotState {
  id: string;
  unitId: string;
  levelNumber: number;
  slotIndex: number;
  offsetCm: number;
  widthCm: number;
  depthCm: number;
  heightCm: number;
  /** Packages the ledger believes are in this slot (usually zero or one). */
  packageIds: string[];
  seenByCameras: string[];
}

export interface RoomDetail extends RoomSummary {
  units: Array<{
    id: string;
    widthCm: number;
    depthCm: number;
    levels: Array<{ number: number; heightCm: number; clearanceCm: number }>;
  }>;
  cameras: Array<{ id: string; name: string; widthPx: number; heightPx: number; slotIds: string[] }>;
  layout: unknown;
  layoutSha256: string;
}

export type SyncOutcome = 'created' | 'updated' | 'unchanged';

export function createRoomRepository(db: Database) {
  return {
    /**
     * Makes the tables match the layout. Slots that disappeared from the layout are removed only
     * when nothing refers to them; otherwise the start stops with an explanation, because
     * silently losing a package's slot would corrupt the room's history.
     */
    async sync(room: RoomRecord): Promise<SyncOutcome> {
      const sha = createHash('sha256').update(JSON.stringify(room.layout)).digest('hex');
      return db.transaction(async (tx) => {
        const existing = await tx.query<{ layout_sha256: string }>(
          'SELECT layout_sha256 FROM rooms WHERE id = $1 FOR UPDATE',
          [room.id],
        );
        const before = existing.rows[0]?.layout_sha256;
        if (before === sha) return 'unchanged';
        await tx.query(
          `INSERT INTO rooms (id, name, layout, layout_sha256) VALUES ($1, $2, $3, $4)
           ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, layout = EXCLUDED.layout,
             layout_sha256 = EXCLUDED.layout_sha256, updated_at = now()`,
          [room.id, room.name, JSON.stringify(room.layout), sha],
        );
        await upsertShelving(tx, room);
        await removeVanished(tx, room);
        return before === undefined ? 'created' : 'updated';
      });
    },

    async list(): Promise<RoomSummary[]> {
      const { rows } = await db.query<RoomSummaryRow>(`${summarySelect} ORDER BY r.id`);
      return rows.map(toSummary);
    },

    async get(roomId: string): Promise<RoomDetail | undefined> {
      const { rows } = await db.query<RoomSummaryRow & { layout: unknown; layout_sha256: string }>(
        `${summarySelect.replace('SELECT', 'SELECT r.layout, r.layout_sha256,')} WHERE r.id = $1`,
        [roomId],
      );
      const row = rows[0];
      if (!row) return undefined;
      const units = await db.query<{
        id: string;
        width_cm: number;
        depth_cm: number;
        levels: Array<{ number: number; heightCm: number; clearanceCm: number }>;
      }>(
        `SELECT u.id, u.width_cm, u.depth_cm,
           coalesce(json_agg(json_build_object('number', l.number, 'heightCm', l.height_cm, 'clearanceCm', l.clearance_cm)
             ORDER BY l.number) FILTER (WHERE l.number IS NOT NULL), '[]') AS levels
         FROM shelving_units u LEFT JOIN levels l ON l.room_id = u.room_id AND l.unit_id = u.id
         WHERE u.room_id = $1 GROUP BY u.id, u.width_cm, u.depth_cm ORDER BY u.id`,
        [roomId],
      );
      const cameras = await db.query<{
        id: string;
        name: string;
        width_px: number;
        height_px: number;
        view: { slotIds?: string[] };
      }>('SELECT id, name, width_px, height_px, view FROM cameras WHERE room_id = $1 ORDER BY id', [roomId]);
      return {
        ...toSummary(row),
        layout: row.layout,
        layoutSha256: row.layout_sha256,
        units: units.rows.map((u) => ({
          id: u.id,
          widthCm: u.width_cm,
          depthCm: u.depth_cm,
          levels: u.levels,
        })),
        cameras: cameras.rows.map((c) => ({
          id: c.id,
          name: c.name,
          widthPx: c.width_px,
          heightPx: c.height_px,
          slotIds: c.view.slotIds ?? [],
        })),
      };
    },

    async slots(roomId: string): Promise<SlotState[]> {
      const { rows } = await db.query<SlotRow>(
        `SELECT s.id, s.unit_id, s.level_number, s.slot_index, s.offset_cm, s.width_cm, s.depth_cm, s.height_cm,
           coalesce((SELECT array_agg(p.id::text ORDER BY p.placed_at) FROM packages p
                     WHERE p.room_id = s.room_id AND p.slot_id = s.id AND p.state = 'placed'), '{}') AS package_ids,
           coalesce((SELECT array_agg(c.id ORDER BY c.id) FROM cameras c
                     WHERE c.room_id = s.room_id AND c.view->'slotIds' ? s.id), '{}') AS seen_by
         FROM slots s WHERE s.room_id = $1
         ORDER BY s.unit_id, s.level_number, s.slot_index`,
        [roomId],
      );
      return rows.map((r) => ({
        id: r.id,
        unitId: r.unit_id,
        levelNumber: r.level_number,
        slotIndex: r.slot_index,
        offsetCm: r.offset_cm,
        widthCm: r.width_cm,
        depthCm: r.depth_cm,
        heightCm: r.height_cm,
        packageIds: r.package_ids,
        seenByCameras: r.seen_by,
      }));
    },
  };
}

export type RoomRepository = ReturnType<typeof createRoomRepository>;

const summarySelect = `SELECT r.id, r.name, r.updated_at,
  (SELECT count(*) FROM shelving_units u WHERE u.room_id = r.id)::int AS unit_count,
  (SELECT count(*) FROM slots s WHERE s.room_id = r.id)::int AS slot_count,
  (SELECT count(*) FROM cameras c WHERE c.room_id = r.id)::int AS camera_count,
  (SELECT count(DISTINCT p.slot_id) FROM packages p WHERE p.room_id = r.id AND p.state = 'placed')::int AS occupied_slot_count
  FROM rooms r`;

interface RoomSummaryRow {
  id: string;
  name: string;
  updated_at: Date;
  unit_count: number;
  slot_count: number;
  camera_count: number;
  occupied_slot_count: number;
}

interface SlotRow {
  id: string;
  unit_id: string;
  level_number: number;
  slot_index: number;
  offset_cm: number;
  width_cm: number;
  depth_cm: number;
  height_cm: number;
  package_ids: string[];
  seen_by: string[];
}

function toSummary(row: RoomSummaryRow): RoomSummary {
  return {
    id: row.id,
    name: row.name,
    unitCount: row.unit_count,
    slotCount: row.slot_count,
    cameraCount: row.camera_count,
    occupiedSlotCount: row.occupied_slot_count,
    updatedAt: row.updated_at,
  };
}

async function upsertShelving(tx: Queryable, room: RoomRecord): Promise<void> {
  for (const unit of room.units) {
    await tx.query(
      `INSERT INTO shelving_units (room_id, id, width_cm, depth_cm, position) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (room_id, id) DO UPDATE SET width_cm = EXCLUDED.width_cm, depth_cm = EXCLUDED.depth_cm, position = EXCLUDED.position`,
      [room.id, unit.id, unit.widthCm, unit.depthCm, JSON.stringify(unit.position)],
    );
    for (const level of unit.levels) {
      await tx.query(
        `INSERT INTO levels (room_id, unit_id, number, height_cm, clearance_cm) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (room_id, unit_id, number) DO UPDATE SET height_cm = EXCLUDED.height_cm, clearance_cm = EXCLUDED.clearance_cm`,
        [room.id, unit.id, level.number, level.heightCm, level.clearanceCm],
      );
    }
  }
  for (const slot of room.slots) {
    await tx.query(
      `INSERT INTO slots (room_id, id, unit_id, level_number, slot_index, offset_cm, width_cm, depth_cm, height_cm)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (room_id, id) DO UPDATE SET unit_id = EXCLUDED.unit_id, level_number = EXCLUDED.level_number,
         slot_index = EXCLUDED.slot_index, offset_cm = EXCLUDED.offset_cm, width_cm = EXCLUDED.width_cm,
         depth_cm = EXCLUDED.depth_cm, height_cm = EXCLUDED.height_cm`,
      [
        room.id,
        slot.id,
        slot.unitId,
        slot.levelNumber,
        slot.slotIndex,
        slot.offsetCm,
        slot.widthCm,
        slot.depthCm,
        slot.heightCm,
      ],
    );
  }
  for (const camera of room.cameras) {
    await tx.query(
      `INSERT INTO cameras (room_id, id, name, width_px, height_px, view) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (room_id, id) DO UPDATE SET name = EXCLUDED.name, width_px = EXCLUDED.width_px,
         height_px = EXCLUDED.height_px, view = EXCLUDED.view`,
      [room.id, camera.id, camera.name, camera.widthPx, camera.heightPx, JSON.stringify(camera.view)],
    );
  }
}

async function removeVanished(tx: Queryable, room: RoomRecord): Promise<void> {
  const slotIds = room.slots.map((s) => s.id);
  const referenced = await tx.query<{ id: string }>(
    `SELECT DISTINCT s.id FROM slots s
     WHERE s.room_id = $1 AND NOT (s.id = ANY($2::text[]))
       AND (EXISTS (SELECT 1 FROM packages p WHERE p.room_id = s.room_id AND p.slot_id = s.id)
         OR EXISTS (SELECT 1 FROM placements pl WHERE pl.room_id = s.room_id AND pl.slot_id = s.id)
         OR EXISTS (SELECT 1 FROM pickups pu WHERE pu.room_id = s.room_id AND pu.slot_id = s.id))
     ORDER BY s.id`,
    [room.id, slotIds],
  );
  if (referenced.rows.length > 0) {
    const ids = referenced.rows.map((r) => r.id).join(', ');
    throw new StoreError(
      `the layout of room ${room.id} no longer has slot(s) ${ids}, but packages or their history refer to them; keep those slots in the layout (they may be left without cameras) or move the packages first`,
    );
  }
  await tx.query('DELETE FROM slots WHERE room_id = $1 AND NOT (id = ANY($2::text[]))', [room.id, slotIds]);
  await tx.query(
    `DELETE FROM levels l WHERE l.room_id = $1 AND NOT EXISTS (
       SELECT 1 FROM jsonb_to_recordset($2::jsonb) AS k(unit text, number int) WHERE k.unit = l.unit_id AND k.number = l.number)`,
    [
      room.id,
      JSON.stringify(room.units.flatMap((u) => u.levels.map((l) => ({ unit: u.id, number: l.number })))),
    ],
  );
  await tx.query('DELETE FROM shelving_units WHERE room_id = $1 AND NOT (id = ANY($2::text[]))', [
    room.id,
    room.units.map((u) => u.id),
  ]);
  await tx.query('DELETE FROM cameras WHERE room_id = $1 AND NOT (id = ANY($2::text[]))', [
    room.id,
    room.cameras.map((c) => c.id),
  ]);
}
