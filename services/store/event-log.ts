import type { Database, Queryable } from './database.ts';

export interface RoomEvent {
  id: number;
  roomId: string | null;
  type: string;
  packageId: string | null;
  payload: Record<string, unknown>;
  occurredAt: Date;
  recordedAt: Date;
}

export interface NewRoomEvent {
  roomId?: string | null;
  /** Dotted lower-case name, e.g. `package.registered`, `service.started`. */
  type: string;
  packageId?: string | null;
  payload?: Record<string, unknown>;
  occurredAt?: Date;
}

export interface AuditEntry {
  actorKind: 'staff' | 'system' | 'courier' | 'resident' | 'kiosk';
  actorId?: string | null;
  action: string;
  targetKind?: string | null;
  targetId?: string | null;
  details?: Record<string, unknown>;
}

/** The append-only history of the room; appends take the caller's transaction. */
export function createEventLog(db: Database) {
  return {
    async append(event: NewRoomEvent, tx: Queryable = db): Promise<RoomEvent> {
      const { rows } = await tx.query<EventRow>(
        `INSERT INTO events (room_id, type, package_id, payload, occurred_at) VALUES ($1, $2, $3, $4, coalesce($5, now()))
         RETURNING id, room_id, type, package_id, payload, occurred_at, recorded_at`,
        [
          event.roomId ?? null,
          event.type,
          event.packageId ?? null,
          JSON.stringify(event.payload ?? {}),
          event.occurredAt ?? null,
        ],
      );
      return toEvent(rows[0]!);
    },

    async list(
      options: { roomId?: string; packageId?: string; afterId?: number; limit?: number } = {},
    ): Promise<RoomEvent[]> {
      const { rows } = await db.query<EventRow>(
        `SELECT id, room_id, type, package_id, payload, occurred_at, recorded_at FROM events
         WHERE ($1::text IS NULL OR room_id = $1) AND ($2::uuid IS NULL OR package_id = $2) AND id > $3
         ORDER BY id LIMIT $4`,
        [options.roomId ?? null, options.packageId ?? null, options.afterId ?? 0, options.limit ?? 500],
      );
      return rows.map(toEvent);
    },

    async audit(entry: AuditEntry, tx: Queryable = db): Promise<void> {
      await tx.query(
        `INSERT INTO audit_log (actor_kind, actor_id, action, target_kind, target_id, details) VALUES ($1, $2, $3, $4, $5, $6)`,
        [
          entry.actorKind,
          entry.actorId ?? null,
          entry.action,
          entry.targetKind ?? null,
          entry.targetId ?? null,
          JSON.stringify(entry.details ?? {}),
        ],
      );
    },
  };
}

export type EventLog = ReturnType<typeof createEventLog>;

interface EventRow {
  id: number;
  room_id: string | null;
  type: string;
  package_id: string | null;
  payload: Record<string, unknown>;
  occurred_at: Date;
  recorded_at: Date;
}

function toEvent(r: EventRow): RoomEvent {
  return {
    id: r.id,
    roomId: r.room_id,
    type: r.type,
    packageId: r.package_id,
    payload: r.payload,
    occurredAt: r.occurred_at,
    recordedAt: r.recorded_at,
  };
}
