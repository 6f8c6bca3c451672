import type { Database } from './database.ts';
import { type NotificationChannel, secretPayloadKeys } from './outbox-message.ts';
import { enqueueNotification } from './outbox-writer.ts';

export type OutboxStatus = 'pending' | 'sending' | 'sent' | 'parked' | 'cancelled';

export interface OutboxRow {
  id: number;
  eventId: number;
  channel: NotificationChannel;
  recipient: string;
  /** As stored; a row written by hand may name a template that does not exist. */
  template: string;
  payload: Record<string, unknown>;
  dedupeKey: string;
  status: OutboxStatus;
  attempts: number;
  nextAttemptAt: Date;
  lastError: string | null;
  sentAt: Date | null;
  createdAt: Date;
  claimedBy: string | null;
  messageId: string | null;
}

/** A row a worker holds: its `attempts` and `claimedBy` fence every later update. */
export type ClaimedRow = OutboxRow & { status: 'sending'; claimedBy: string };

export interface ClaimOptions {
  workerId: string;
  limit: number;
  /** How long the claim holds; a worker that dies mid-send gives the row back after this. */
  leaseMs: number;
}

/** The outbox table: claiming due rows and recording how each attempt went. */
export function createOutboxRepository(db: Database) {
  return {
    enqueue: enqueueNotification,

    /**
     * Takes up to `limit` due rows: pending ones whose time has come and sending ones whose
     * lease ran out. SKIP LOCKED lets any number of workers claim side by side without
     * waiting on each other or taking the same row.
     */
    async claimDue(options: ClaimOptions): Promise<ClaimedRow[]> {
      const { rows } = await db.query<OutboxDbRow>(
        `WITH due AS (
           SELECT id FROM notification_outbox
           WHERE status IN ('pending', 'sending') AND next_attempt_at <= now()
           ORDER BY next_attempt_at, id
           LIMIT $1
           FOR UPDATE SKIP LOCKED
         )
         UPDATE notification_outbox o
         SET status = 'sending', attempts = o.attempts + 1, claimed_by = $2,
             next_attempt_at = now() + $3 * interval '1 millisecond'
         FROM due WHERE o.id = due.id
         RETURNING ${columns('o')}`,
        [options.limit, options.workerId, options.leaseMs],
      );
      return rows.map(toRow).sort((a, b) => a.id - b.id) as ClaimedRow[];
    },

    /** Records the message as out and drops its secrets. False when the claim was lost. */
    async markSent(row: ClaimedRow, messageId: string | null): Promise<boolean> {
      const { rowCount } = await db.query(
        `UPDATE notification_outbox
         SET status = 'sent', sent_at = now(), last_error = NULL, message_id = $4, payload = payload - $5::text[]
         WHERE id = $1 AND status = 'sending' AND attempts = $2 AND claimed_by = $3`,
        [row.id, row.attempts, row.claimedBy, messageId, [...secretPayloadKeys]],
      );
      return rowCount === 1;
    },

    /** Gives the row back for another attempt after `delayMs`. */
    async markRetry(row: ClaimedRow, error: string, delayMs: number): Promise<boolean> {
      const { rowCount } = await db.query(
        `UPDATE notification_outbox
         SET status = 'pending', last_error = $4, claimed_by = NULL,
             next_attempt_at = now() + $5 * interval '1 millisecond'
         WHERE id = $1 AND status = 'sending' AND attempts = $2 AND claimed_by = $3`,
        [row.id, row.attempts, row.claimedBy, error, Math.max(0, Math.round(delayMs))],
      );
      return rowCount === 1;
    },

    /** Stops trying: the row waits for a person, with the reason. */
    async markParked(row: ClaimedRow, error: string): Promise<boolean> {
      const { rowCount } = await db.query(
        `UPDATE notification_outbox SET status = 'parked', last_error = $4, claimed_by = NULL
         WHERE id = $1 AND status = 'sending' AND attempts = $2 AND claimed_by = $3`,
        [row.id, row.attempts, row.claimedBy, error],
      );
      return rowCount === 1;
    },

    /** The message no longer has a reason to go out (e.g. a reminder for a package already collected). */
    async markCancelled(row: ClaimedRow, reason: string): Promise<boolean> {
      const { rowCount } = await db.query(
        `UPDATE notification_outbox SET status = 'cancelled', last_error = $4, claimed_by = NULL,
           payload = payload - $5::text[]
         WHERE id = $1 AND status = 'sending' AND attempts = $2 AND claimed_by = $3`,
        [row.id, row.attempts, row.claimedBy, reason, [...secretPayloadKeys]],
      );
      return rowCount === 1;
    },

    /** Puts a parked row back in the queue with a fresh count of attempts (staff action). */
    async requeue(id: number): Promise<boolean> {
      const { rowCount } = await db.query(
        `UPDATE notification_outbox SET status = 'pending', attempts = 0, next_attempt_at = now(), claimed_by = NULL
         WHERE id = $1 AND status = 'parked'`,
        [id],
      );
      return rowCount === 1;
    },

    async get(id: number): Promise<OutboxRow | undefined> {
      const { rows } = await db.query<OutboxDbRow>(
        `SELECT ${columns('o')} FROM notification_outbox o WHERE id = $1`,
        [id],
      );
      return rows[0] ? toRow(rows[0]) : undefined;
    },

    async list(options: { status?: OutboxStatus; limit?: number } = {}): Promise<OutboxRow[]> {
      const { rows } = await db.query<OutboxDbRow>(
        `SELECT ${columns('o')} FROM notification_outbox o WHERE ($1::text IS NULL OR status = $1)
         ORDER BY id LIMIT $2`,
        [options.status ?? null, options.limit ?? 500],
      );
      return rows.map(toRow);
    },

    /** Rows by status, for the queue-depth gauge. */
    async countByStatus(): Promise<Record<OutboxStatus, number>> {
      const { rows } = await db.query<{ status: OutboxStatus; count: number }>(
        'SELECT status, count(*)::int AS count FROM notification_outbox GROUP BY status',
      );
      const counts: Record<OutboxStatus, number> = {
        pending: 0,
        sending: 0,
        sent: 0,
        parked: 0,
        cancelled: 0,
      };
      for (const r of rows) counts[r.status] = r.count;
      return counts;
    },
  };
}

export type OutboxRepository = ReturnType<typeof createOutboxRepository>;

const columns = (alias: string) =>
  ['id', 'event_id', 'channel', 'recipient', 'template', 'payload', 'dedupe_key', 'status', 'attempts']
    .concat(['next_attempt_at', 'last_error', 'sent_at', 'created_at', 'claimed_by', 'message_id'])
    .map((c) => `${alias}.${c}`)
    .join(', ');

interface OutboxDbRow {
  id: number;
  event_id: number;
  channel: NotificationChannel;
  recipient: string;
  template: string;
  payload: Record<string, unknown>;
  dedupe_key: string;
  status: OutboxStatus;
  attempts: number;
  next_attempt_at: Date;
  last_error: string | null;
  sent_at: Date | null;
  created_at: Date;
  claimed_by: string | null;
  message_id: string | null;
}

function toRow(r: OutboxDbRow): OutboxRow {
  return {
    id: r.id,
    eventId: r.event_id,
    channel: r.channel,
    recipient: r.recipient,
    template: r.template,
    payload: r.payload,
    dedupeKey: r.dedupe_key,
    status: r.status,
    attempts: r.attempts,
    nextAttemptAt: r.next_attempt_at,
    lastError: r.last_error,
    sentAt: r.sent_at,
    createdAt: r.created_at,
    claimedBy: r.claimed_by,
    messageId: r.message_id,
  };
}
