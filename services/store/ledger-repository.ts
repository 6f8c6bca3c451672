import {
  type EvidencePictures,
  emptyLedgerState,
  flagKinds,
  instructionTypes,
  type LedgerDecision,
  type LedgerInput,
  type LedgerState,
  type ObservationEvidence,
  type SlotOccupant,
  sortAwaiting,
  sortOccupants,
  transientTypes,
} from '../ledger/index.ts';
import type { Database, Queryable } from './database.ts';
import { type AuditEntry, createEventLog } from './event-log.ts';
import { enqueueResidentNotifications } from './outbox-writer.ts';
import { StoreError } from './store-error.ts';

/** One ledger input and what the ledger decided about it: committed together or not at all. */
export interface LedgerBatch {
  /** Unique per input from its sender (the service); a batch applied twice is applied once. */
  inputId: string;
  input: LedgerInput;
  decisions: readonly LedgerDecision[];
}

export interface AppliedBatch {
  /** False when this input id had been applied before: nothing was written. */
  applied: boolean;
  /** The events written, in decision order. */
  eventIds: number[];
  /** For each decision index, the event it was recorded as (instructions take their fact's). */
  eventIdByDecision: Array<number | null>;
  /** Notification rows queued. */
  notificationIds: number[];
}

/** Stored picture ids of one observation's evidence. */
interface PictureIds {
  frameImageId: string;
  cropImageId: string;
}

const eventTypes: Partial<Record<LedgerDecision['type'], string>> = {
  delivery_started: 'delivery.started',
  package_awaiting: 'package.awaiting_placement',
  delivery_ended: 'delivery.ended',
  delivery_abandoned: 'delivery.abandoned',
  package_placed: 'package.placed',
  package_not_placed: 'package.not_placed',
  package_picked_up: 'package.picked_up',
  package_removed: 'package.removed',
  object_appeared: 'object.appeared',
  object_vanished: 'object.vanished',
  flag_raised: 'flag.raised',
  flag_resolved: 'flag.resolved',
  pickup_started: 'pickup.started',
  pickup_ended: 'pickup.ended',
  pickup_abandoned: 'pickup.abandoned',
  pickup_forgotten: 'pickup.grace_over',
  camera_offline: 'camera.offline',
  camera_online: 'camera.online',
};

const at = (ms: number): Date => new Date(ms);

/**
 * Mints a placed package's pickup PIN and QR token inside the placement's transaction, so the
 * credentials exist exactly when the notification that carries them does (services/kiosk).
 */
export interface PickupCredentialMinter {
  mint(
    tx: Queryable,
    placed: { roomId: string; packageId: string; residentId: string; atMs: number },
  ): Promise<{ pickupPin: string; pickupToken: string }>;
}

export interface LedgerRepositoryOptions {
  /** Without it `package_placed` rows carry no credentials and the notification worker parks them. */
  pickupCredentials?: PickupCredentialMinter | undefined;
}

/**
 * The room ledger's persistence: a batch of decisions becomes events, rows and queued
 * notifications in one transaction; the ledger's state is rebuilt from those rows.
 */
export function createLedgerRepository(db: Database, options: LedgerRepositoryOptions = {}) {
  const events = createEventLog(db);
  // Pictures already stored, so that one observation cited by several flags is stored once.
  const stored = new WeakMap<EvidencePictures, PictureIds>();

  async function storePictures(
    tx: Queryable,
    evidence: ObservationEvidence,
    pending: Map<EvidencePictures, PictureIds>,
  ): Promise<PictureIds | null> {
    const pictures = evidence.pictures;
    if (!pictures) return null;
    const known = stored.get(pictures) ?? pending.get(pictures);
    if (known) return known;
    const { rows } = await tx.query<{ id: string }>(
      `INSERT INTO images (content_type, bytes) VALUES ('image/jpeg', $1), ('image/jpeg', $2) RETURNING id`,
      [Buffer.from(pictures.frameJpeg), Buffer.from(pictures.cropJpeg)],
    );
    const ids = { frameImageId: rows[0]!.id, cropImageId: rows[1]!.id };
    pending.set(pictures, ids);
    return ids;
  }

  async function evidenceJson(
    tx: Queryable,
    evidence: ObservationEvidence,
    pending: Map<EvidencePictures, PictureIds>,
  ): Promise<Record<string, unknown>> {
    const { pictures: _, ...rest } = evidence;
    const ids = await storePictures(tx, evidence, pending);
    return { ...rest, ...(ids ?? {}) };
  }

  function actorOf(input: LedgerInput): Pick<AuditEntry, 'actorKind' | 'actorId'> {
    switch (input.type) {
      case 'delivery_started':
        return { actorKind: 'courier', actorId: input.courierId };
      case 'package_registered':
      case 'delivery_ended':
        return { actorKind: 'courier', actorId: null };
      case 'pickup_started':
        return { actorKind: 'resident', actorId: input.residentId };
      case 'pickup_ended':
        return { actorKind: 'resident', actorId: null };
      default:
        return { actorKind: 'system', actorId: null };
    }
  }

  /** What a fact's event says and what it is about; stores the pictures it cites. */
  async function describeFact(
    tx: Queryable,
    d: LedgerDecision,
    pending: Map<EvidencePictures, PictureIds>,
  ): Promise<{ payload: Record<string, unknown>; target: [string, string] }> {
    switch (d.type) {
      case 'delivery_started':
        return {
          payload: { sessionId: d.sessionId, courierId: d.courierId },
          target: ['delivery_session', d.sessionId],
        };
      case 'package_awaiting':
        return {
          payload: { sessionId: d.sessionId, residentId: d.residentId },
          target: ['package', d.packageId],
        };
      case 'delivery_ended':
        return {
          payload: { sessionId: d.sessionId, reason: d.reason, awaitingPackageIds: d.awaitingPackageIds },
          target: ['delivery_session', d.sessionId],
        };
      case 'delivery_abandoned':
        return {
          payload: {
            sessionId: d.sessionId,
            courierId: d.courierId,
            awaitingPackageIds: d.awaitingPackageIds,
          },
          target: ['delivery_session', d.sessionId],
        };
      case 'package_placed':
        return {
          payload: {
            slotId: d.slotId,
            cameraId: d.evidence.cameraId,
            confidence: d.evidence.confidence,
            deliverySessionId: d.deliverySessionId,
            evidence: await evidenceJson(tx, d.evidence, pending),
          },
          target: ['package', d.packageId],
        };
      case 'package_not_placed':
        return { payload: { flagId: d.flagId }, target: ['package', d.packageId] };
      case 'package_picked_up':
        return {
          payload: {
            slotId: d.slotId,
            residentId: d.residentId,
            sessionId: d.sessionId,
            evidence: await evidenceJson(tx, d.evidence, pending),
          },
          target: ['package', d.packageId],
        };
      case 'package_removed':
        return {
          payload: {
            slotId: d.slotId,
            flagId: d.flagId,
            evidence: await evidenceJson(tx, d.evidence, pending),
          },
          target: ['package', d.packageId],
        };
      case 'object_appeared':
      case 'object_vanished':
        return {
          payload: { objectId: d.objectId, slotId: d.slotId, flagId: d.flagId },
          target: ['flag', d.flagId],
        };
      case 'flag_raised': {
        const { flag } = d;
        return {
          payload: {
            flagId: flag.id,
            kind: flag.kind,
            slotId: flag.slotId,
            cameraId: flag.cameraId,
            summary: flag.summary,
          },
          target: ['flag', flag.id],
        };
      }
      case 'flag_resolved':
        return {
          payload: { flagId: d.flagId, kind: d.kind, resolution: d.resolution },
          target: ['flag', d.flagId],
        };
      case 'pickup_started':
        return {
          payload: { sessionId: d.sessionId, residentId: d.residentId, packageIds: d.packageIds },
          target: ['pickup_session', d.sessionId],
        };
      case 'pickup_ended':
        return {
          payload: {
            sessionId: d.sessionId,
            reason: d.reason,
            outcome: d.outcome,
            pickedUpIds: d.pickedUpIds,
            leftBehindIds: d.leftBehindIds,
          },
          target: ['pickup_session', d.sessionId],
        };
      case 'pickup_abandoned':
        return {
          payload: {
            sessionId: d.sessionId,
            residentId: d.residentId,
            outcome: d.outcome,
            pickedUpIds: d.pickedUpIds,
            leftBehindIds: d.leftBehindIds,
          },
          target: ['pickup_session', d.sessionId],
        };
      case 'pickup_forgotten':
        return { payload: { sessionId: d.sessionId }, target: ['pickup_session', d.sessionId] };
      case 'camera_offline':
        return { payload: { cameraId: d.cameraId, reason: d.reason }, target: ['camera', d.cameraId] };
      case 'camera_online':
        return { payload: { cameraId: d.cameraId, offlineMs: d.offlineMs }, target: ['camera', d.cameraId] };
      default:
        throw new StoreError(`decision ${d.type} is not a fact`);
    }
  }

  /** Writes the rows one fact changes. */
  async function writeFact(
    tx: Queryable,
    roomId: string,
    d: LedgerDecision,
    pending: Map<EvidencePictures, PictureIds>,
  ): Promise<void> {
    switch (d.type) {
      case 'delivery_started':
        await tx.query(
          'INSERT INTO delivery_sessions (id, room_id, courier_id, started_at) VALUES ($1, $2, $3, $4)',
          [d.sessionId, roomId, d.courierId, at(d.atMs)],
        );
        return;
      case 'package_awaiting': {
        const details = d.details ?? {};
        const { rows } = await tx.query<{ inserted: boolean }>(
          `INSERT INTO packages (id, room_id, resident_id, courier_id, carrier, tracking_number, recipient_text,
             registered_at, delivery_session_id)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
           ON CONFLICT (id) DO UPDATE SET delivery_session_id = EXCLUDED.delivery_session_id,
             resident_id = EXCLUDED.resident_id, registered_at = EXCLUDED.registered_at, updated_at = now()
             WHERE packages.state = 'awaiting_placement' AND packages.room_id = EXCLUDED.room_id
               AND packages.delivery_session_id IS NULL
           RETURNING (xmax = 0) AS inserted`,
          [
            d.packageId,
            roomId,
            d.residentId,
            details.courierId ?? null,
            details.carrier ?? null,
            details.trackingNumber ?? null,
            details.recipientText ?? null,
            at(d.atMs),
            d.sessionId,
          ],
        );
        if (!rows[0]) {
          throw new LedgerConflictError(
            `package ${d.packageId} cannot await placement in room ${roomId}: it exists and is not an unassigned package awaiting placement there`,
          );
        }
        if (rows[0].inserted) {
          await events.append(
            {
              roomId,
              type: 'package.registered',
              packageId: d.packageId,
              payload: {
                residentId: d.residentId,
                carrier: details.carrier ?? null,
                trackingNumber: details.trackingNumber ?? null,
              },
              occurredAt: at(d.atMs),
            },
            tx,
          );
        }
        return;
      }
      case 'delivery_ended':
        await expectOne(
          tx,
          `UPDATE delivery_sessions SET ended_at = $2, end_reason = $3 WHERE id = $1 AND ended_at IS NULL`,
          [d.sessionId, at(d.atMs), d.reason],
          `delivery session ${d.sessionId} is not open`,
        );
        return;
      case 'delivery_abandoned':
        await expectOne(
          tx,
          `UPDATE delivery_sessions SET ended_at = $2, end_reason = 'abandoned' WHERE id = $1 AND ended_at IS NULL`,
          [d.sessionId, at(d.atMs)],
          `delivery session ${d.sessionId} is not open`,
        );
        return;
      case 'package_placed': {
        const ids = await storePictures(tx, d.evidence, pending);
        await tx.query(
          `INSERT INTO placements (package_id, room_id, slot_id, camera_id, confidence, box, snapshot_image_id, observed_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
          [
            d.packageId,
            roomId,
            d.slotId,
            d.evidence.cameraId,
            // A column of type real: a confidence too small for it is zero, not an error.
            Math.fround(d.evidence.confidence),
            JSON.stringify(d.evidence.box),
            ids?.frameImageId ?? null,
            at(d.atMs),
          ],
        );
        await expectOne(
          tx,
          `UPDATE packages SET state = 'placed', slot_id = $2, placed_at = $3, updated_at = now(),
             photo_image_id = coalesce(photo_image_id, $4)
           WHERE id = $1 AND state = 'awaiting_placement'`,
          [d.packageId, d.slotId, at(d.atMs), ids?.cropImageId ?? null],
          `package ${d.packageId} is not awaiting placement`,
        );
        return;
      }
      case 'package_not_placed':
        return;
      case 'package_picked_up': {
        await tx.query(
          `INSERT INTO pickups (package_id, room_id, slot_id, resident_id, session_id, observed_at)
           VALUES ($1, $2, $3, $4, $5, $6)`,
          [d.packageId, roomId, d.slotId, d.residentId, d.sessionId, at(d.atMs)],
        );
        await expectOne(
          tx,
          `UPDATE packages SET state = 'picked_up', slot_id = NULL, picked_up_at = $2, updated_at = now()
           WHERE id = $1 AND state = 'placed'`,
          [d.packageId, at(d.atMs)],
          `package ${d.packageId} is not on a shelf`,
        );
        return;
      }
      case 'package_removed': {
        await expectOne(
          tx,
          `UPDATE packages SET state = 'lost', slot_id = NULL, updated_at = now() WHERE id = $1 AND state = 'placed'`,
          [d.packageId],
          `package ${d.packageId} is not on a shelf`,
        );
        return;
      }
      case 'object_appeared':
        await tx.query(
          'INSERT INTO room_objects (id, room_id, slot_id, flag_id, appeared_at) VALUES ($1, $2, $3, $4, $5)',
          [d.objectId, roomId, d.slotId, d.flagId, at(d.atMs)],
        );
        return;
      case 'object_vanished':
        await expectOne(
          tx,
          'UPDATE room_objects SET vanished_at = $2 WHERE id = $1 AND vanished_at IS NULL',
          [d.objectId, at(d.atMs)],
          `object ${d.objectId} is not on a shelf`,
        );
        return;
      case 'flag_raised': {
        const { flag } = d;
        const observations = [];
        for (const o of flag.evidence.observations) observations.push(await evidenceJson(tx, o, pending));
        const details =
          flag.kind === 'never_placed' && flag.packageId
            ? { ...flag.evidence.details, label: await labelOf(tx, flag.packageId) }
            : flag.evidence.details;
        const evidence = { observations, details };
        await tx.query(
          `INSERT INTO flags (id, room_id, kind, slot_id, package_id, camera_id, summary, evidence, raised_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
          [
            flag.id,
            roomId,
            flag.kind,
            flag.slotId,
            flag.packageId,
            flag.cameraId,
            flag.summary,
            JSON.stringify(evidence),
            at(d.atMs),
          ],
        );
        if (flag.kind === 'camera_offline' && flag.cameraId) {
          await tx.query(
            'UPDATE camera_outages SET flag_id = $3 WHERE room_id = $1 AND camera_id = $2 AND online_at IS NULL',
            [roomId, flag.cameraId, flag.id],
          );
        }
        return;
      }
      case 'flag_resolved':
        // Staff may have closed it already; their resolution stands, the event still says why.
        await tx.query(
          `UPDATE flags SET status = 'resolved', resolved_at = $2, resolution = $3 WHERE id = $1 AND status = 'open'`,
          [d.flagId, at(d.atMs), JSON.stringify({ by: 'ledger', ...d.resolution })],
        );
        return;
      case 'pickup_started':
        await tx.query(
          `INSERT INTO pickup_sessions (id, room_id, resident_id, package_ids, started_at, expires_at)
           VALUES ($1, $2, $3, $4, $5, $6)`,
          [d.sessionId, roomId, d.residentId, d.packageIds, at(d.atMs), at(d.expiresAtMs)],
        );
        return;
      case 'pickup_ended':
        await expectOne(
          tx,
          `UPDATE pickup_sessions SET ended_at = $2, end_reason = $3, outcome = $4 WHERE id = $1 AND ended_at IS NULL`,
          [d.sessionId, at(d.atMs), d.reason, d.outcome],
          `pickup session ${d.sessionId} is not open`,
        );
        return;
      case 'pickup_abandoned':
        await expectOne(
          tx,
          `UPDATE pickup_sessions SET ended_at = $2, end_reason = 'abandoned', outcome = $3 WHERE id = $1 AND ended_at IS NULL`,
          [d.sessionId, at(d.atMs), d.outcome],
          `pickup session ${d.sessionId} is not open`,
        );
        return;
      case 'pickup_forgotten':
        await tx.query('UPDATE pickup_sessions SET grace_over_at = $2 WHERE id = $1', [
          d.sessionId,
          at(d.atMs),
        ]);
        return;
      case 'camera_offline':
        await tx.query(
          'INSERT INTO camera_outages (room_id, camera_id, offline_since, reason) VALUES ($1, $2, $3, $4)',
          [roomId, d.cameraId, at(d.atMs), d.reason],
        );
        return;
      case 'camera_online':
        await tx.query(
          'UPDATE camera_outages SET online_at = $3 WHERE room_id = $1 AND camera_id = $2 AND online_at IS NULL',
          [roomId, d.cameraId, at(d.atMs)],
        );
        return;
      default:
        throw new StoreError(`decision ${d.type} is not a fact`);
    }
  }

  /**
   * The placement or pickup notice, through the one outbox path (outbox-writer.ts: its
   * inactive-resident rule and its dedupe key). The placement's PIN and QR token are minted
   * here, in the placement's transaction, and only when a notice is written.
   */
  async function queueNotification(
    tx: Queryable,
    roomId: string,
    d: Extract<LedgerDecision, { type: 'notify_resident' }>,
    eventId: number,
  ): Promise<number[]> {
    const { rows } = await tx.query<{ photo_image_id: string | null }>(
      'SELECT photo_image_id FROM packages WHERE id = $1',
      [d.packageId],
    );
    if (!rows[0]) return [];
    const minter = options.pickupCredentials;
    return enqueueResidentNotifications(tx, {
      eventId,
      template: d.template,
      residentId: d.residentId,
      payload: { packageId: d.packageId, slotId: d.slotId, roomId, photoImageId: rows[0].photo_image_id },
      secrets:
        d.template === 'package_placed' && minter
          ? () => minter.mint(tx, { roomId, packageId: d.packageId, residentId: d.residentId, atMs: d.atMs })
          : undefined,
    });
  }

  return {
    /**
     * Writes a batch in one transaction, in decision order: for each fact its event row, then the
     * rows it changes (sessions, package state and slot, placements, pickups, flags with their
     * pictures in `images`), its audit entry; notifications join the outbox under the event of
     * the fact they announce. A batch whose input id was applied before writes nothing.
     */
    async applyBatch(roomId: string, batch: LedgerBatch): Promise<AppliedBatch> {
      const pending = new Map<EvidencePictures, PictureIds>();
      const result = await db.transaction(async (tx) => {
        // One writer per room at a time, so two processes cannot interleave a room's history.
        await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`ledger:${roomId}`]);
        const claimed = await tx.query(
          `INSERT INTO ledger_inputs (room_id, input_id, type, at) VALUES ($1, $2, $3, $4)
           ON CONFLICT DO NOTHING RETURNING input_id`,
          [roomId, batch.inputId, batch.input.type, at(batch.input.atMs)],
        );
        if (claimed.rowCount === 0) {
          return {
            applied: false,
            eventIds: [],
            eventIdByDecision: batch.decisions.map(() => null),
            notificationIds: [],
          };
        }
        const actor = actorOf(batch.input);
        const eventIds: number[] = [];
        const eventIdByDecision: Array<number | null> = [];
        const notificationIds: number[] = [];
        const lastEventOfPackage = new Map<string, number>();
        let lastEvent: number | null = null;
        for (const d of batch.decisions) {
          if (transientTypes.has(d.type)) {
            eventIdByDecision.push(null);
            continue;
          }
          if (instructionTypes.has(d.type)) {
            if (d.type === 'notify_resident') {
              const eventId = lastEventOfPackage.get(d.packageId) ?? lastEvent;
              if (eventId === null) throw new StoreError('a notification needs the event it announces');
              notificationIds.push(...(await queueNotification(tx, roomId, d, eventId)));
            }
            eventIdByDecision.push(lastEvent);
            continue;
          }
          const packageId =
            'packageId' in d ? d.packageId : d.type === 'flag_raised' ? d.flag.packageId : null;
          const fact = await describeFact(tx, d, pending);
          // The event goes first, except for a new package: its row must exist before its event.
          if (d.type === 'package_awaiting') await writeFact(tx, roomId, d, pending);
          const event = await events.append(
            {
              roomId,
              type: eventTypes[d.type]!,
              packageId,
              payload: { inputId: batch.inputId, ...fact.payload },
              occurredAt: at(d.atMs),
            },
            tx,
          );
          if (d.type !== 'package_awaiting') await writeFact(tx, roomId, d, pending);
          await events.audit(
            {
              ...actor,
              action: eventTypes[d.type]!,
              targetKind: fact.target[0],
              targetId: fact.target[1],
              details: { eventId: event.id, inputId: batch.inputId },
            },
            tx,
          );
          eventIds.push(event.id);
          eventIdByDecision.push(event.id);
          lastEvent = event.id;
          if (packageId) lastEventOfPackage.set(packageId, event.id);
        }
        await tx.query('UPDATE ledger_inputs SET event_ids = $3 WHERE room_id = $1 AND input_id = $2', [
          roomId,
          batch.inputId,
          eventIds,
        ]);
        return { applied: true, eventIds, eventIdByDecision, notificationIds };
      });
      for (const [pictures, ids] of pending) stored.set(pictures, ids);
      return result;
    },

    /** Whether an input id was applied (and committed) before. */
    async wasApplied(roomId: string, inputId: string): Promise<boolean> {
      const { rowCount } = await db.query(
        'SELECT 1 FROM ledger_inputs WHERE room_id = $1 AND input_id = $2',
        [roomId, inputId],
      );
      return (rowCount ?? 0) > 0;
    },

    /**
     * The ledger's state rebuilt from the rows: slots and what is in them, packages awaiting a
     * shelf, open sessions (and ended pickups still in their grace), open flags, cameras offline.
     * Recent-change memory (several_moved bursts) starts empty.
     */
    loadLedgerState: (roomId: string, nowMs = 0) => loadLedgerState(db, roomId, nowMs),
  };
}

export type LedgerRepository = ReturnType<typeof createLedgerRepository>;

/**
 * A decision that no longer fits the rows (someone changed them behind the ledger's back, e.g.
 * staff marked a package returned): nothing was written; re-read the state and decide again.
 */
export class LedgerConflictError extends StoreError {}

/**
 * What the kiosk read from a package's label, for a never_placed flag: staff search the shelves
 * for that label (the ledger's state does not keep it).
 */
async function labelOf(tx: Queryable, packageId: string): Promise<Record<string, unknown> | null> {
  const { rows } = await tx.query<{
    carrier: string | null;
    tracking_number: string | null;
    recipient_text: string | null;
    label_image_id: string | null;
    courier_id: string | null;
  }>(
    'SELECT carrier, tracking_number, recipient_text, label_image_id, courier_id FROM packages WHERE id = $1',
    [packageId],
  );
  const r = rows[0];
  if (!r) return null;
  return {
    carrier: r.carrier,
    trackingNumber: r.tracking_number,
    recipientText: r.recipient_text,
    labelImageId: r.label_image_id,
    courierId: r.courier_id,
  };
}

async function expectOne(tx: Queryable, sql: string, params: unknown[], problem: string): Promise<void> {
  const { rowCount } = await tx.query(sql, params as never);
  if (rowCount !== 1)
    throw new LedgerConflictError(`the ledger's decision does not fit the store: ${problem}`);
}

const ms = (d: Date | null): number | null => (d === null ? null : d.getTime());

async function loadLedgerState(db: Database, roomId: string, nowMs: number): Promise<LedgerState> {
  const slotRows = await db.query<{ id: string }>('SELECT id FROM slots WHERE room_id = $1 ORDER BY id', [
    roomId,
  ]);
  if (slotRows.rows.length === 0)
    throw new StoreError(`room ${roomId} has no slots in the store: sync its layout first`);
  const state = emptyLedgerState(
    roomId,
    slotRows.rows.map((r) => r.id),
    nowMs,
  );

  const packages = await db.query<{
    id: string;
    resident_id: string | null;
    state: 'awaiting_placement' | 'placed';
    slot_id: string | null;
    delivery_session_id: string | null;
    registered_at: Date;
    placed_at: Date | null;
    never_placed_flag_id: string | null;
  }>(
    `SELECT p.id, p.resident_id, p.state, p.slot_id, p.delivery_session_id, p.registered_at, p.placed_at,
       (SELECT f.id FROM flags f WHERE f.package_id = p.id AND f.kind = 'never_placed'
         ORDER BY f.raised_at DESC, f.id DESC LIMIT 1) AS never_placed_flag_id
     FROM packages p
     WHERE p.room_id = $1
       AND (p.state = 'placed' OR (p.state = 'awaiting_placement' AND p.delivery_session_id IS NOT NULL))`,
    [roomId],
  );
  const occupants: Record<string, SlotOccupant[]> = {};
  for (const r of packages.rows) {
    state.packages[r.id] = {
      id: r.id,
      residentId: r.resident_id,
      state: r.state,
      slotId: r.state === 'placed' ? r.slot_id : null,
      deliverySessionId: r.delivery_session_id,
      registeredAtMs: r.registered_at.getTime(),
      neverPlacedFlagId: r.state === 'awaiting_placement' ? r.never_placed_flag_id : null,
    };
    if (r.state === 'placed' && r.slot_id) {
      occupants[r.slot_id] ??= [];
      occupants[r.slot_id]!.push({
        kind: 'package',
        packageId: r.id,
        sinceMs: (r.placed_at ?? r.registered_at).getTime(),
      });
    }
  }
  state.awaiting = sortAwaiting(
    state,
    Object.values(state.packages)
      .filter((p) => p.state === 'awaiting_placement' && p.neverPlacedFlagId === null)
      .map((p) => p.id),
  );

  const objects = await db.query<{ id: string; slot_id: string; flag_id: string; appeared_at: Date }>(
    'SELECT id, slot_id, flag_id, appeared_at FROM room_objects WHERE room_id = $1 AND vanished_at IS NULL',
    [roomId],
  );
  for (const o of objects.rows) {
    occupants[o.slot_id] ??= [];
    occupants[o.slot_id]!.push({
      kind: 'object',
      objectId: o.id,
      flagId: o.flag_id,
      sinceMs: o.appeared_at.getTime(),
    });
  }
  for (const [slotId, list] of Object.entries(occupants)) {
    if (state.slots[slotId]) state.slots[slotId] = sortOccupants(list);
  }

  const waitingSessions = new Set(state.awaiting.map((id) => state.packages[id]!.deliverySessionId));
  const deliveries = await db.query<{
    id: string;
    courier_id: string | null;
    started_at: Date;
    ended_at: Date | null;
  }>(
    `SELECT id, courier_id, started_at, ended_at FROM delivery_sessions
     WHERE room_id = $1 AND (ended_at IS NULL OR id = ANY($2::uuid[]))`,
    [roomId, [...waitingSessions]],
  );
  for (const s of deliveries.rows) {
    state.deliverySessions[s.id] = {
      id: s.id,
      courierId: s.courier_id,
      startedAtMs: s.started_at.getTime(),
      endedAtMs: ms(s.ended_at),
    };
  }

  const pickups = await db.query<{
    id: string;
    resident_id: string;
    package_ids: string[];
    started_at: Date;
    expires_at: Date;
    ended_at: Date | null;
    picked_up_ids: string[];
  }>(
    `SELECT s.id, s.resident_id, s.package_ids, s.started_at, s.expires_at, s.ended_at,
       coalesce((SELECT array_agg(k.package_id ORDER BY k.observed_at, k.recorded_at) FROM pickups k
         WHERE k.session_id = s.id), '{}') AS picked_up_ids
     FROM pickup_sessions s WHERE s.room_id = $1 AND s.grace_over_at IS NULL`,
    [roomId],
  );
  for (const s of pickups.rows) {
    state.pickupSessions[s.id] = {
      id: s.id,
      residentId: s.resident_id,
      packageIds: s.package_ids,
      pickedUpIds: s.picked_up_ids,
      startedAtMs: s.started_at.getTime(),
      expiresAtMs: s.expires_at.getTime(),
      endedAtMs: ms(s.ended_at),
    };
  }

  const flags = await db.query<{
    id: string;
    kind: (typeof flagKinds)[number];
    slot_id: string | null;
    package_id: string | null;
    camera_id: string | null;
    raised_at: Date;
    summary: string;
  }>(
    `SELECT id, kind, slot_id, package_id, camera_id, raised_at, summary FROM flags
     WHERE room_id = $1 AND status = 'open' AND kind = ANY($2::text[])`,
    [roomId, [...flagKinds]],
  );
  for (const f of flags.rows) {
    state.flags[f.id] = {
      id: f.id,
      kind: f.kind,
      slotId: f.slot_id,
      packageId: f.package_id,
      cameraId: f.camera_id,
      raisedAtMs: f.raised_at.getTime(),
      summary: f.summary,
    };
  }

  const outages = await db.query<{
    camera_id: string;
    offline_since: Date;
    reason: string | null;
    flag_id: string | null;
  }>(
    'SELECT camera_id, offline_since, reason, flag_id FROM camera_outages WHERE room_id = $1 AND online_at IS NULL',
    [roomId],
  );
  for (const o of outages.rows) {
    state.cameras[o.camera_id] = {
      offlineSinceMs: o.offline_since.getTime(),
      reason: o.reason,
      flagId: o.flag_id,
    };
  }
  state.nowMs = Math.max(
    nowMs,
    ...Object.values(state.packages).map((p) => p.registeredAtMs),
    ...Object.values(state.flags).map((f) => f.raisedAtMs),
  );
  return state;
}
