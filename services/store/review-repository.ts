import type { Database, Queryable } from './database.ts';
import { createEventLog } from './event-log.ts';
import { enqueueResidentNotifications } from './outbox-writer.ts';
import type { PackageState } from './package-repository.ts';
import { NotFoundError, StoreError } from './store-error.ts';

export const flagStatuses = ['open', 'resolved', 'dismissed'] as const;
export type FlagStatus = (typeof flagStatuses)[number];

export interface FlagEvidence {
  observations: Array<Record<string, unknown>>;
  details: Record<string, unknown>;
}

export interface ReviewFlag {
  id: string;
  roomId: string;
  kind: string;
  status: FlagStatus;
  slotId: string | null;
  packageId: string | null;
  cameraId: string | null;
  summary: string;
  evidence: FlagEvidence;
  raisedAt: Date;
  resolvedAt: Date | null;
  resolvedBy: { id: string; username: string } | null;
  resolution: Record<string, unknown> | null;
}

export interface ReviewPackage {
  id: string;
  roomId: string;
  state: PackageState;
  slotId: string | null;
  residentId: string | null;
  recipient: { firstName: string; lastName: string; apartment: string } | null;
  carrier: string | null;
  trackingNumber: string | null;
  recipientText: string | null;
  photoImageId: string | null;
  registeredAt: Date;
  placedAt: Date | null;
  pickedUpAt: Date | null;
}

export interface TimelineEvent {
  id: number;
  type: string;
  packageId: string | null;
  payload: Record<string, unknown>;
  occurredAt: Date;
}

export interface PackageSearch {
  roomId?: string | undefined;
  /** Part of the recipient's name, or of the name printed on the label. */
  name?: string | undefined;
  /** The recipient's apartment (exact, case-insensitive). */
  unit?: string | undefined;
  /** Part of the tracking number. */
  trackingNumber?: string | undefined;
  carrier?: string | undefined;
  state?: PackageState | undefined;
  registeredFrom?: Date | undefined;
  registeredTo?: Date | undefined;
  limit: number;
  /** Id of the last package of the previous page; pages go newest first. */
  before?: string | undefined;
}

/** A change staff make to a package while resolving a flag; the repository writes it and its event. */
export type PackageChange =
  | {
      kind: 'place';
      packageId: string;
      slotId: string;
      /** The flag's pictures when the object it saw was this package: snapshot and photo. */
      pictures?: { frameImageId: string | null; cropImageId: string | null } | undefined;
    }
  | { kind: 'return_to_waiting'; packageId: string }
  | { kind: 'pick_up'; packageId: string; slotId: string | null; residentId: string | null }
  | { kind: 'set_resident'; packageId: string; residentId: string };

export interface ResolutionPlan {
  action: string;
  status: 'resolved' | 'dismissed';
  resolution: Record<string, unknown>;
  packageChanges: PackageChange[];
  /** The unexplained objects this flag keeps on the shelves leave the ledger's picture. */
  objectsLeave: boolean;
  /**
   * Other open flags the action settles with it (a `never_placed` flag of a package staff have
   * now placed or handed over), each closed as `resolved` with this resolution, in the same
   * transaction and audited as its own row.
   */
  alsoResolved: Array<{ flagId: string; resolution: Record<string, unknown> }>;
}

/** What a resolution is decided on, read inside its transaction with the rows locked. */
export interface ResolutionContext {
  flag: ReviewFlag;
  packages: Record<string, ReviewPackage>;
  roomSlotIds: string[];
  /** Residents among those asked for that exist and are active. */
  activeResidentIds: string[];
  /** Unexplained objects on the shelves that this flag is about. */
  presentObjectCount: number;
  /** Open `never_placed` flags of the packages in `packages`, other than this flag; locked. */
  neverPlacedFlags: ReviewFlag[];
}

export interface ResolvedFlag {
  flag: ReviewFlag;
  eventIds: number[];
  /** The other flags the action settled with it (`ResolutionPlan.alsoResolved`), as now stored. */
  alsoResolved: ReviewFlag[];
}

export interface RoomOverview {
  slots: Array<{
    id: string;
    unitId: string;
    levelNumber: number;
    slotIndex: number;
    packages: Array<Pick<ReviewPackage, 'id' | 'recipient' | 'trackingNumber' | 'carrier' | 'placedAt'>>;
    objects: Array<{ id: string; flagId: string; appearedAt: Date }>;
    openFlagCount: number;
  }>;
  cameras: Array<{
    id: string;
    name: string;
    offlineSince: Date | null;
    offlineReason: string | null;
    openFlagId: string | null;
  }>;
  openFlagCount: number;
  awaitingPlacementCount: number;
}

/** A cheap fingerprint of the flags table: it changes whenever a flag is raised or closed. */
export interface FlagsVersion {
  openCount: number;
  version: string;
}

/** What the staff review page reads, and the flag resolutions it writes. */
export function createReviewRepository(db: Database) {
  const events = createEventLog(db);

  const getFlag = async (id: string, tx: Queryable = db, lock = false): Promise<ReviewFlag | undefined> => {
    const { rows } = await tx.query<FlagRow>(
      `${flagSelect} WHERE f.id = $1 ${lock ? 'FOR UPDATE OF f' : ''}`,
      [id],
    );
    return rows[0] ? toFlag(rows[0]) : undefined;
  };

  const packagesById = async (ids: string[], tx: Queryable = db, lock = false): Promise<ReviewPackage[]> => {
    if (ids.length === 0) return [];
    const { rows } = await tx.query<PackageRow>(
      `${packageSelect} WHERE p.id = ANY($1::uuid[]) ORDER BY p.registered_at ${lock ? 'FOR UPDATE OF p' : ''}`,
      [ids],
    );
    return rows.map(toPackage);
  };

  return {
    getFlag: (id: string) => getFlag(id),

    async listFlags(query: {
      roomId?: string | undefined;
      status?: FlagStatus | undefined;
      kind?: string | undefined;
      limit: number;
    }): Promise<ReviewFlag[]> {
      const { rows } = await db.query<FlagRow>(
        `${flagSelect}
         WHERE ($1::text IS NULL OR f.room_id = $1) AND ($2::text IS NULL OR f.status = $2)
           AND ($3::text IS NULL OR f.kind = $3)
         ORDER BY CASE WHEN f.status = 'open' THEN 0 ELSE 1 END, f.raised_at DESC, f.id LIMIT $4`,
        [query.roomId ?? null, query.status ?? null, query.kind ?? null, query.limit],
      );
      return rows.map(toFlag);
    },

    async flagsVersion(): Promise<FlagsVersion> {
      const { rows } = await db.query<{
        open: number;
        total: number;
        raised: Date | null;
        closed: Date | null;
      }>(
        `SELECT count(*) FILTER (WHERE status = 'open')::int AS open, count(*)::int AS total,
           max(raised_at) AS raised, max(resolved_at) AS closed FROM flags`,
      );
      const r = rows[0]!;
      return {
        openCount: r.open,
        version: `${r.total}.${r.open}.${r.raised?.getTime() ?? 0}.${r.closed?.getTime() ?? 0}`,
      };
    },

    /** Room events around the flag (± `aroundMs`) and every event of the packages it names. */
    async timeline(flag: ReviewFlag, packageIds: string[], aroundMs = 120_000): Promise<TimelineEvent[]> {
      const { rows } = await db.query<{
        id: number;
        type: string;
        package_id: string | null;
        payload: Record<string, unknown>;
        occurred_at: Date;
      }>(
        `SELECT id, type, package_id, payload, occurred_at FROM events
         WHERE room_id = $1 AND type <> 'service.started'
           AND (occurred_at BETWEEN $2::timestamptz - make_interval(secs => $3) AND $2::timestamptz + make_interval(secs => $3)
                OR package_id = ANY($4::uuid[]) OR payload->>'flagId' = $5)
         ORDER BY occurred_at, id LIMIT 200`,
        [flag.roomId, flag.raisedAt, aroundMs / 1000, packageIds, flag.id],
      );
      return rows.map((r) => ({
        id: r.id,
        type: r.type,
        packageId: r.package_id,
        payload: r.payload,
        occurredAt: r.occurred_at,
      }));
    },

    packagesById: (ids: string[]) => packagesById(ids),

    async awaitingPackages(roomId: string, limit = 20): Promise<ReviewPackage[]> {
      const { rows } = await db.query<PackageRow>(
        `${packageSelect} WHERE p.room_id = $1 AND p.state = 'awaiting_placement' ORDER BY p.registered_at LIMIT $2`,
        [roomId, limit],
      );
      return rows.map(toPackage);
    },

    async searchPackages(query: PackageSearch): Promise<ReviewPackage[]> {
      const { rows } = await db.query<PackageRow>(
        `${packageSelect}
         WHERE ($1::text IS NULL OR p.room_id = $1)
           AND ($2::text IS NULL OR (r.first_name || ' ' || r.last_name) ILIKE '%' || $2 || '%'
                OR p.recipient_text ILIKE '%' || $2 || '%')
           AND ($3::text IS NULL OR lower(r.apartment) = lower($3))
           AND ($4::text IS NULL OR p.tracking_number ILIKE '%' || $4 || '%')
           AND ($5::text IS NULL OR lower(p.carrier) = lower($5))
           AND ($6::text IS NULL OR p.state = $6)
           AND ($7::timestamptz IS NULL OR p.registered_at >= $7)
           AND ($8::timestamptz IS NULL OR p.registered_at < $8)
           AND ($9::uuid IS NULL OR (p.registered_at, p.id) < (SELECT registered_at, id FROM packages WHERE id = $9))
         ORDER BY p.registered_at DESC, p.id DESC LIMIT $10`,
        [
          query.roomId ?? null,
          query.name ? escapeLike(query.name) : null,
          query.unit ?? null,
          query.trackingNumber ? escapeLike(query.trackingNumber) : null,
          query.carrier ?? null,
          query.state ?? null,
          query.registeredFrom ?? null,
          query.registeredTo ?? null,
          query.before ?? null,
          query.limit,
        ],
      );
      return rows.map(toPackage);
    },

    async packageEvents(packageId: string): Promise<TimelineEvent[]> {
      const { rows } = await db.query<{
        id: number;
        type: string;
        package_id: string | null;
        payload: Record<string, unknown>;
        occurred_at: Date;
      }>(
        'SELECT id, type, package_id, payload, occurred_at FROM events WHERE package_id = $1 ORDER BY occurred_at, id LIMIT 500',
        [packageId],
      );
      return rows.map((r) => ({
        id: r.id,
        type: r.type,
        packageId: r.package_id,
        payload: r.payload,
        occurredAt: r.occurred_at,
      }));
    },

    async image(id: string): Promise<{ contentType: string; bytes: Buffer } | undefined> {
      const { rows } = await db.query<{ content_type: string; bytes: Buffer }>(
        'SELECT content_type, bytes FROM images WHERE id = $1',
        [id],
      );
      return rows[0] ? { contentType: rows[0].content_type, bytes: rows[0].bytes } : undefined;
    },

    async overview(roomId: string): Promise<RoomOverview> {
      const slots = await db.query<{ id: string; unit_id: string; level_number: number; slot_index: number }>(
        'SELECT id, unit_id, level_number, slot_index FROM slots WHERE room_id = $1 ORDER BY unit_id, level_number DESC, slot_index',
        [roomId],
      );
      if (slots.rows.length === 0) throw new NotFoundError('room', roomId);
      const placed = await db.query<PackageRow>(
        `${packageSelect} WHERE p.room_id = $1 AND p.state = 'placed' ORDER BY p.placed_at`,
        [roomId],
      );
      const objects = await db.query<{ id: string; slot_id: string; flag_id: string; appeared_at: Date }>(
        'SELECT id, slot_id, flag_id, appeared_at FROM room_objects WHERE room_id = $1 AND vanished_at IS NULL ORDER BY appeared_at',
        [roomId],
      );
      const flagCounts = await db.query<{ slot_id: string | null; n: number }>(
        `SELECT slot_id, count(*)::int AS n FROM flags WHERE room_id = $1 AND status = 'open' GROUP BY slot_id`,
        [roomId],
      );
      const cameras = await db.query<{
        id: string;
        name: string;
        offline_since: Date | null;
        reason: string | null;
        flag_id: string | null;
      }>(
        `SELECT c.id, c.name, o.offline_since, o.reason,
           (SELECT f.id FROM flags f WHERE f.room_id = c.room_id AND f.camera_id = c.id AND f.status = 'open'
             AND f.kind = 'camera_offline' LIMIT 1) AS flag_id
         FROM cameras c LEFT JOIN camera_outages o ON o.room_id = c.room_id AND o.camera_id = c.id AND o.online_at IS NULL
         WHERE c.room_id = $1 ORDER BY c.id`,
        [roomId],
      );
      const awaiting = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM packages WHERE room_id = $1 AND state = 'awaiting_placement'`,
        [roomId],
      );
      const flagsBySlot = new Map(flagCounts.rows.map((r) => [r.slot_id, r.n]));
      return {
        slots: slots.rows.map((s) => ({
          id: s.id,
          unitId: s.unit_id,
          levelNumber: s.level_number,
          slotIndex: s.slot_index,
          packages: placed.rows
            .filter((p) => p.slot_id === s.id)
            .map(toPackage)
            .map(({ id, recipient, trackingNumber, carrier, placedAt }) => ({
              id,
              recipient,
              trackingNumber,
              carrier,
              placedAt,
            })),
          objects: objects.rows
            .filter((o) => o.slot_id === s.id)
            .map((o) => ({ id: o.id, flagId: o.flag_id, appearedAt: o.appeared_at })),
          openFlagCount: flagsBySlot.get(s.id) ?? 0,
        })),
        cameras: cameras.rows.map((c) => ({
          id: c.id,
          name: c.name,
          offlineSince: c.offline_since,
          offlineReason: c.reason,
          openFlagId: c.flag_id,
        })),
        openFlagCount: flagCounts.rows.reduce((sum, r) => sum + r.n, 0),
        awaitingPlacementCount: awaiting.rows[0]!.n,
      };
    },

    /**
     * Resolves one open flag in one transaction: `decide` sees the flag and the packages it may
     * touch with their rows locked, and returns the plan (or throws to refuse); then the flag,
     * the packages, an event per change and the audit row are written together. The ledger's
     * advisory lock is taken first, so a staff action and a ledger batch never interleave.
     */
    async resolveFlag(
      request: { flagId: string; staffUserId: string; packageIds: string[]; residentIds: string[] },
      decide: (context: ResolutionContext) => ResolutionPlan,
    ): Promise<ResolvedFlag> {
      const resolved = await db.transaction(async (tx) => {
        const { rows: head } = await tx.query<{ room_id: string }>(
          'SELECT room_id FROM flags WHERE id = $1',
          [request.flagId],
        );
        if (!head[0]) throw new NotFoundError('flag', request.flagId);
        const roomId = head[0].room_id;
        await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`ledger:${roomId}`]);
        const flag = (await getFlag(request.flagId, tx, true))!;
        const named = [flag.packageId, ...candidatePackageIds(flag), ...request.packageIds].filter(
          (id): id is string => typeof id === 'string' && uuidPattern.test(id),
        );
        const packages = Object.fromEntries(
          (await packagesById([...new Set(named)], tx, true)).map((p) => [p.id, p]),
        );
        const slotRows = await tx.query<{ id: string }>('SELECT id FROM slots WHERE room_id = $1', [roomId]);
        const residentRows = await tx.query<{ id: string }>(
          'SELECT id FROM residents WHERE id = ANY($1::uuid[]) AND active',
          [request.residentIds.filter((id) => uuidPattern.test(id))],
        );
        const objectRows = await tx.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM room_objects WHERE flag_id = $1 AND vanished_at IS NULL',
          [flag.id],
        );
        const neverPlacedRows = await tx.query<FlagRow>(
          `${flagSelect} WHERE f.package_id = ANY($1::uuid[]) AND f.kind = 'never_placed'
             AND f.status = 'open' AND f.id <> $2 ORDER BY f.raised_at, f.id FOR UPDATE OF f`,
          [Object.keys(packages), flag.id],
        );
        const context: ResolutionContext = {
          flag,
          packages,
          roomSlotIds: slotRows.rows.map((r) => r.id),
          activeResidentIds: residentRows.rows.map((r) => r.id),
          presentObjectCount: objectRows.rows[0]!.n,
          neverPlacedFlags: neverPlacedRows.rows.map(toFlag),
        };
        const plan = decide(context);

        const eventIds: number[] = [];
        const changes: Array<Record<string, unknown>> = [];
        for (const change of plan.packageChanges) {
          const before = packages[change.packageId];
          if (!before)
            throw new StoreError(`package ${change.packageId} is not among those the action named`);
          const eventId = await applyPackageChange(tx, roomId, before, change, request.staffUserId, flag.id);
          eventIds.push(eventId);
          changes.push({ ...change, fromState: before.state, fromSlotId: before.slotId, eventId });
        }
        if (plan.objectsLeave) {
          await tx.query(
            'UPDATE room_objects SET vanished_at = now() WHERE flag_id = $1 AND vanished_at IS NULL',
            [flag.id],
          );
        }
        const resolution = { by: 'staff', action: plan.action, ...plan.resolution };
        const alsoResolvedFlagIds = plan.alsoResolved.map((r) => r.flagId);
        const review = async (
          target: Pick<ReviewFlag, 'id' | 'kind' | 'packageId'>,
          status: 'resolved' | 'dismissed',
          targetResolution: Record<string, unknown>,
          details: Record<string, unknown>,
        ) => {
          const closed = await tx.query(
            `UPDATE flags SET status = $2, resolved_at = now(), resolved_by = $3, resolution = $4 WHERE id = $1 AND status = 'open'`,
            [target.id, status, request.staffUserId, JSON.stringify(targetResolution)],
          );
          if (closed.rowCount !== 1)
            throw new StoreError(`flag ${target.id} is no longer open; reload the queue and try again`);
          const event = await events.append(
            {
              roomId,
              type: 'flag.reviewed',
              packageId: target.packageId,
              payload: {
                flagId: target.id,
                kind: target.kind,
                status,
                resolution: targetResolution,
                staffUserId: request.staffUserId,
                ...details,
              },
            },
            tx,
          );
          eventIds.push(event.id);
          await events.audit(
            {
              actorKind: 'staff',
              actorId: request.staffUserId,
              action: `flag.${targetResolution.action}`,
              targetKind: 'flag',
              targetId: target.id,
              details: {
                eventId: event.id,
                kind: target.kind,
                status,
                resolution: targetResolution,
                ...details,
              },
            },
            tx,
          );
        };
        await review(flag, plan.status, resolution, {
          objectsLeft: plan.objectsLeave,
          changes,
          ...(alsoResolvedFlagIds.length > 0 ? { alsoResolvedFlagIds } : {}),
        });
        for (const settled of plan.alsoResolved) {
          const target = context.neverPlacedFlags.find((f) => f.id === settled.flagId);
          if (!target)
            throw new StoreError(`flag ${settled.flagId} is not among those the action may settle`);
          await review(
            target,
            'resolved',
            { by: 'staff', ...settled.resolution },
            // The package change is the other flag's; its events say where the package went.
            {
              objectsLeft: false,
              changes: [],
              withFlagId: flag.id,
              changeEventIds: changeEventIdsOf(changes, target),
            },
          );
        }
        return { flagId: flag.id, eventIds, alsoResolvedFlagIds };
      });
      const alsoResolved: ReviewFlag[] = [];
      for (const id of resolved.alsoResolvedFlagIds) alsoResolved.push((await getFlag(id))!);
      return { flag: (await getFlag(resolved.flagId))!, eventIds: resolved.eventIds, alsoResolved };
    },
  };
}

export type ReviewRepository = ReturnType<typeof createReviewRepository>;

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Packages a flag's evidence names besides its own: the ones staff may pick between. */
export function candidatePackageIds(flag: Pick<ReviewFlag, 'evidence'>): string[] {
  const d = flag.evidence.details ?? {};
  const ids: unknown[] = [d.candidatePackageId, ...(Array.isArray(d.packageIds) ? d.packageIds : [])];
  if (Array.isArray(d.ledgerPackageIds)) ids.push(...d.ledgerPackageIds);
  return [...new Set(ids.filter((id): id is string => typeof id === 'string'))];
}

/** The events of the package changes that concern the flag's package. */
function changeEventIdsOf(
  changes: Array<Record<string, unknown>>,
  flag: Pick<ReviewFlag, 'packageId'>,
): unknown[] {
  return changes.filter((c) => c.packageId === flag.packageId).map((c) => c.eventId);
}

async function applyPackageChange(
  tx: Queryable,
  roomId: string,
  before: ReviewPackage,
  change: PackageChange,
  staffUserId: string,
  flagId: string,
): Promise<number> {
  const events = { type: '', payload: {} as Record<string, unknown> };
  switch (change.kind) {
    case 'place':
      await tx.query(
        `INSERT INTO placements (package_id, room_id, slot_id, snapshot_image_id, observed_at) VALUES ($1, $2, $3, $4, now())`,
        [change.packageId, roomId, change.slotId, change.pictures?.frameImageId ?? null],
      );
      await tx.query(
        `UPDATE packages SET state = 'placed', slot_id = $2,
           placed_at = CASE WHEN state = 'placed' THEN placed_at ELSE now() END, updated_at = now(),
           photo_image_id = coalesce(photo_image_id, $3)
         WHERE id = $1`,
        [change.packageId, change.slotId, change.pictures?.cropImageId ?? null],
      );
      events.type = 'package.slot_reassigned';
      events.payload = { slotId: change.slotId, fromSlotId: before.slotId, fromState: before.state };
      break;
    case 'return_to_waiting':
      await tx.query(
        `UPDATE packages SET state = 'awaiting_placement', slot_id = NULL, placed_at = NULL, updated_at = now() WHERE id = $1`,
        [change.packageId],
      );
      events.type = 'package.returned_to_waiting';
      events.payload = { fromSlotId: before.slotId, fromState: before.state };
      break;
    case 'pick_up':
      if (change.slotId) {
        await tx.query(
          `INSERT INTO pickups (package_id, room_id, slot_id, resident_id, observed_at) VALUES ($1, $2, $3, $4, now())`,
          [change.packageId, roomId, change.slotId, change.residentId],
        );
      }
      await tx.query(
        `UPDATE packages SET state = 'picked_up', slot_id = NULL, picked_up_at = now(), updated_at = now() WHERE id = $1`,
        [change.packageId],
      );
      events.type = 'package.picked_up';
      events.payload = { slotId: change.slotId, residentId: change.residentId, fromState: before.state };
      break;
    case 'set_resident':
      await tx.query('UPDATE packages SET resident_id = $2, updated_at = now() WHERE id = $1', [
        change.packageId,
        change.residentId,
      ]);
      events.type = 'package.resident_reassigned';
      events.payload = { residentId: change.residentId, fromResidentId: before.residentId };
      break;
  }
  const { rows } = await tx.query<{ id: number }>(
    `INSERT INTO events (room_id, type, package_id, payload) VALUES ($1, $2, $3, $4) RETURNING id`,
    [
      roomId,
      events.type,
      change.packageId,
      JSON.stringify({ ...events.payload, by: 'staff', staffUserId, flagId }),
    ],
  );
  const eventId = rows[0]!.id;
  // The resident hears of a pickup staff recorded as of one the cameras saw.
  if (change.kind === 'pick_up' && change.slotId && change.residentId) {
    await enqueueResidentNotifications(tx, {
      eventId,
      template: 'package_picked_up',
      residentId: change.residentId,
      payload: {
        packageId: change.packageId,
        slotId: change.slotId,
        roomId,
        pickedUpAt: new Date().toISOString(),
      },
    });
  }
  return eventId;
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

const flagSelect = `SELECT f.id, f.room_id, f.kind, f.status, f.slot_id, f.package_id, f.camera_id, f.summary,
  f.evidence, f.raised_at, f.resolved_at, f.resolved_by, u.username AS resolved_by_username, f.resolution
  FROM flags f LEFT JOIN staff_users u ON u.id = f.resolved_by`;

interface FlagRow {
  id: string;
  room_id: string;
  kind: string;
  status: FlagStatus;
  slot_id: string | null;
  package_id: string | null;
  camera_id: string | null;
  summary: string;
  evidence: Partial<FlagEvidence> | null;
  raised_at: Date;
  resolved_at: Date | null;
  resolved_by: string | null;
  resolved_by_username: string | null;
  resolution: Record<string, unknown> | null;
}

function toFlag(r: FlagRow): ReviewFlag {
  return {
    id: r.id,
    roomId: r.room_id,
    kind: r.kind,
    status: r.status,
    slotId: r.slot_id,
    packageId: r.package_id,
    cameraId: r.camera_id,
    summary: r.summary,
    evidence: { observations: r.evidence?.observations ?? [], details: r.evidence?.details ?? {} },
    raisedAt: r.raised_at,
    resolvedAt: r.resolved_at,
    resolvedBy: r.resolved_by ? { id: r.resolved_by, username: r.resolved_by_username ?? '' } : null,
    resolution: r.resolution,
  };
}

const packageSelect = `SELECT p.id, p.room_id, p.resident_id, p.carrier, p.tracking_number, p.recipient_text,
  p.state, p.slot_id, p.photo_image_id, p.registered_at, p.placed_at, p.picked_up_at,
  r.first_name, r.last_name, r.apartment
  FROM packages p LEFT JOIN residents r ON r.id = p.resident_id`;

interface PackageRow {
  id: string;
  room_id: string;
  resident_id: string | null;
  carrier: string | null;
  tracking_number: string | null;
  recipient_text: string | null;
  state: PackageState;
  slot_id: string | null;
  photo_image_id: string | null;
  registered_at: Date;
  placed_at: Date | null;
  picked_up_at: Date | null;
  first_name: string | null;
  last_name: string | null;
  apartment: string | null;
}

function toPackage(r: PackageRow): ReviewPackage {
  return {
    id: r.id,
    roomId: r.room_id,
    state: r.state,
    slotId: r.slot_id,
    residentId: r.resident_id,
    recipient:
      r.resident_id && r.first_name !== null && r.last_name !== null && r.apartment !== null
        ? { firstName: r.first_name, lastName: r.last_name, apartment: r.apartment }
        : null,
    carrier: r.carrier,
    trackingNumber: r.tracking_number,
    recipientText: r.recipient_text,
    photoImageId: r.photo_image_id,
    registeredAt: r.registered_at,
    placedAt: r.placed_at,
    pickedUpAt: r.picked_up_at,
  };
}
