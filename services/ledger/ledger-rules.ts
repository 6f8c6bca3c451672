import { evolve } from './ledger-state.ts';
import type {
  FlagEvidence,
  FlagKind,
  LedgerDecision,
  LedgerInput,
  LedgerObservation,
  LedgerOptions,
  LedgerState,
  ObservationEvidence,
  PickupEndReason,
  PickupOutcome,
  PickupSession,
  RecentChange,
} from './ledger-types.ts';

export type LedgerInputErrorCode =
  | 'duplicate_session'
  | 'no_open_delivery'
  | 'duplicate_package'
  | 'no_open_pickup'
  | 'empty_pickup'
  | 'package_not_on_shelf'
  | 'not_residents_package'
  | 'package_in_other_pickup'
  | 'unknown_slot'
  | 'bad_observation'
  | 'bad_command';

/** An input the ledger refuses; the state is unchanged. `code` is stable, `message` says why. */
export class LedgerInputError extends Error {
  override readonly name = 'LedgerInputError';
  /** The type of the refused input, filled in by whoever submitted it (for logs and metrics). */
  inputType = 'unknown';
  constructor(
    readonly code: LedgerInputErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface LedgerStep {
  state: LedgerState;
  decisions: LedgerDecision[];
}

/** Decisions in order, each folded into the state as it is made, so later rules see it. */
class Decisions {
  readonly list: LedgerDecision[] = [];
  constructor(public state: LedgerState) {}
  push(...decisions: LedgerDecision[]): void {
    for (const d of decisions) {
      this.list.push(d);
      this.state = evolve(this.state, d);
    }
  }
}

const short = (id: string): string => id.slice(0, 8);

/**
 * One input through the rules: first whatever timed out by `input.atMs`, then the input itself.
 * Pure: the same state, input and options (including the id source) give the same decisions.
 * Throws `LedgerInputError` for an input that makes no sense in this state.
 */
export function step(state: LedgerState, input: LedgerInput, options: LedgerOptions): LedgerStep {
  const atMs = Math.max(state.nowMs, input.atMs);
  const out = new Decisions(state);
  expire(out, atMs, options);
  switch (input.type) {
    case 'tick':
      break;
    case 'delivery_started':
      if (out.state.deliverySessions[input.sessionId] || out.state.pickupSessions[input.sessionId]) {
        throw new LedgerInputError('duplicate_session', `session ${input.sessionId} already exists`);
      }
      out.push(
        { type: 'delivery_started', atMs, sessionId: input.sessionId, courierId: input.courierId },
        { type: 'tell_kiosk', atMs, message: { kind: 'delivery_started', sessionId: input.sessionId } },
      );
      break;
    case 'package_registered': {
      openDelivery(out.state, input.sessionId);
      if (out.state.packages[input.packageId]) {
        throw new LedgerInputError('duplicate_package', `package ${input.packageId} is already registered`);
      }
      out.push({
        type: 'package_awaiting',
        atMs,
        sessionId: input.sessionId,
        packageId: input.packageId,
        residentId: input.residentId,
        details: input.details ?? null,
      });
      out.push({
        type: 'tell_kiosk',
        atMs,
        message: {
          kind: 'package_awaiting',
          sessionId: input.sessionId,
          packageId: input.packageId,
          awaitingPackageIds: awaitingOf(out.state, input.sessionId),
        },
      });
      break;
    }
    case 'delivery_ended': {
      openDelivery(out.state, input.sessionId);
      endDelivery(out, input.sessionId, atMs, 'courier');
      break;
    }
    case 'pickup_started':
      startPickup(out, input, atMs, options);
      break;
    case 'pickup_ended': {
      const session = out.state.pickupSessions[input.sessionId];
      if (!session || session.endedAtMs !== null) {
        throw new LedgerInputError('no_open_pickup', `pickup session ${input.sessionId} is not open`);
      }
      endPickup(out, session, atMs, 'resident');
      break;
    }
    case 'observed':
      observe(out, input.observation, atMs, options);
      break;
    case 'restarted':
      abandonPreviousLifetime(out, atMs, options);
      break;
  }
  return { state: { ...out.state, nowMs: atMs }, decisions: out.list };
}

function openDelivery(state: LedgerState, sessionId: string): void {
  const session = state.deliverySessions[sessionId];
  if (!session || session.endedAtMs !== null) {
    throw new LedgerInputError('no_open_delivery', `delivery session ${sessionId} is not open`);
  }
}

function awaitingOf(state: LedgerState, sessionId: string): string[] {
  return state.awaiting.filter((id) => state.packages[id]?.deliverySessionId === sessionId);
}

function endDelivery(out: Decisions, sessionId: string, atMs: number, reason: 'courier' | 'timeout'): void {
  const awaitingPackageIds = awaitingOf(out.state, sessionId);
  out.push(
    { type: 'delivery_ended', atMs, sessionId, reason, awaitingPackageIds },
    { type: 'tell_kiosk', atMs, message: { kind: 'delivery_ended', sessionId, awaitingPackageIds } },
  );
}

function raise(
  out: Decisions,
  atMs: number,
  options: LedgerOptions,
  flag: {
    kind: FlagKind;
    slotId?: string | null;
    packageId?: string | null;
    cameraId?: string | null;
    summary: string;
    evidence: Partial<FlagEvidence>;
  },
): string {
  const id = options.newId();
  out.push({
    type: 'flag_raised',
    atMs,
    flag: {
      id,
      kind: flag.kind,
      slotId: flag.slotId ?? null,
      packageId: flag.packageId ?? null,
      cameraId: flag.cameraId ?? null,
      summary: flag.summary,
      evidence: { observations: flag.evidence.observations ?? [], details: flag.evidence.details ?? {} },
    },
  });
  return id;
}

/** Everything whose time has come by `atMs`, each dated at its own deadline. */
function expire(out: Decisions, atMs: number, options: LedgerOptions): void {
  for (const session of Object.values(out.state.deliverySessions)) {
    const deadline = session.startedAtMs + options.deliveryTimeoutMs;
    if (session.endedAtMs === null && deadline <= atMs) endDelivery(out, session.id, deadline, 'timeout');
  }
  for (const packageId of [...out.state.awaiting]) {
    const pkg = out.state.packages[packageId]!;
    const session = pkg.deliverySessionId ? out.state.deliverySessions[pkg.deliverySessionId] : undefined;
    if (!session || session.endedAtMs === null) continue;
    const deadline = session.endedAtMs + options.neverPlacedAfterMs;
    if (deadline > atMs) continue;
    const flagId = raise(out, deadline, options, {
      kind: 'never_placed',
      packageId,
      summary: `Package ${short(packageId)} was registered but no camera saw it land on a shelf within ${Math.round(options.neverPlacedAfterMs / 1000)} s of the delivery's end`,
      evidence: {
        details: {
          deliverySessionId: session.id,
          courierId: session.courierId,
          residentId: pkg.residentId,
          registeredAtMs: pkg.registeredAtMs,
          deliveryEndedAtMs: session.endedAtMs,
        },
      },
    });
    out.push({ type: 'package_not_placed', atMs: deadline, packageId, flagId });
  }
  for (const session of Object.values(out.state.pickupSessions)) {
    if (session.endedAtMs === null && session.expiresAtMs <= atMs) {
      endPickup(out, session, session.expiresAtMs, 'timeout');
    }
  }
  for (const session of Object.values(out.state.pickupSessions)) {
    if (session.endedAtMs !== null && session.endedAtMs + options.pickupGraceMs <= atMs) {
      out.push({
        type: 'pickup_forgotten',
        atMs: session.endedAtMs + options.pickupGraceMs,
        sessionId: session.id,
      });
    }
  }
  for (const [cameraId, outage] of Object.entries(out.state.cameras)) {
    const deadline = outage.offlineSinceMs + options.cameraOfflineFlagAfterMs;
    if (outage.flagId !== null || deadline > atMs) continue;
    raise(out, deadline, options, {
      kind: 'camera_offline',
      cameraId,
      summary: `Camera ${cameraId} has been offline for more than ${Math.round(options.cameraOfflineFlagAfterMs / 1000)} s: what happens on the shelves it watches goes unseen`,
      evidence: { details: { offlineSinceMs: outage.offlineSinceMs, reason: outage.reason } },
    });
  }
}

/**
 * At start, every session the state holds belongs to a process that died: its courier or
 * resident is no longer served by any kiosk. Open deliveries are closed, and every package still
 * waiting for a shelf becomes a never_placed flag, because the next object seen belongs to the
 * next courier, not to a delivery nobody is finishing. Open pickups are closed with the locator
 * off; their packages stay on the shelves. Ended pickups keep their grace (it is about removals
 * the cameras may still report, not about a kiosk).
 */
function abandonPreviousLifetime(out: Decisions, atMs: number, options: LedgerOptions): void {
  const byStart = <T extends { startedAtMs: number; id: string }>(list: T[]): T[] =>
    list.sort((a, b) => a.startedAtMs - b.startedAtMs || a.id.localeCompare(b.id));
  const openAtStart = new Set<string>();
  for (const session of byStart(Object.values(out.state.deliverySessions))) {
    if (session.endedAtMs !== null) continue;
    openAtStart.add(session.id);
    out.push({
      type: 'delivery_abandoned',
      atMs,
      sessionId: session.id,
      courierId: session.courierId,
      awaitingPackageIds: awaitingOf(out.state, session.id),
    });
  }
  for (const packageId of [...out.state.awaiting]) {
    const pkg = out.state.packages[packageId]!;
    const session = pkg.deliverySessionId ? out.state.deliverySessions[pkg.deliverySessionId] : undefined;
    const abandoned = session !== undefined && openAtStart.has(session.id);
    const flagId = raise(out, atMs, options, {
      kind: 'never_placed',
      packageId,
      summary: `Package ${short(packageId)} was registered at the kiosk at ${new Date(pkg.registeredAtMs).toISOString()} but no camera saw it land on a shelf before the service stopped; it no longer waits for a shelf: check the shelves and record where it is`,
      evidence: {
        details: {
          reason: abandoned ? 'delivery_abandoned' : 'service_restarted',
          deliverySessionId: pkg.deliverySessionId,
          courierId: session?.courierId ?? null,
          residentId: pkg.residentId,
          registeredAtMs: pkg.registeredAtMs,
          deliveryEndedAtMs: abandoned ? null : (session?.endedAtMs ?? null),
          restartedAtMs: atMs,
        },
      },
    });
    out.push({ type: 'package_not_placed', atMs, packageId, flagId });
  }
  for (const session of byStart(Object.values(out.state.pickupSessions))) {
    if (session.endedAtMs !== null) continue;
    const { outcome, pickedUpIds, leftBehindIds } = pickupResult(session);
    out.push(
      {
        type: 'pickup_abandoned',
        atMs,
        sessionId: session.id,
        residentId: session.residentId,
        outcome,
        pickedUpIds,
        leftBehindIds,
      },
      { type: 'locator', atMs, action: 'off', sessionId: session.id },
    );
  }
}

function pickupResult(
  session: PickupSession,
): Pick<Extract<LedgerDecision, { type: 'pickup_ended' }>, 'outcome' | 'pickedUpIds' | 'leftBehindIds'> {
  const pickedUpIds = session.pickedUpIds;
  const leftBehindIds = session.packageIds.filter((id) => !pickedUpIds.includes(id));
  const outcome: PickupOutcome =
    leftBehindIds.length === 0
      ? 'picked_up'
      : pickedUpIds.length === 0
        ? 'nothing_picked_up'
        : 'partly_picked_up';
  return { outcome, pickedUpIds, leftBehindIds };
}

function startPickup(
  out: Decisions,
  input: Extract<LedgerInput, { type: 'pickup_started' }>,
  atMs: number,
  options: LedgerOptions,
): void {
  const { state } = out;
  if (state.pickupSessions[input.sessionId] || state.deliverySessions[input.sessionId]) {
    throw new LedgerInputError('duplicate_session', `session ${input.sessionId} already exists`);
  }
  const packageIds = [...new Set(input.packageIds)];
  if (packageIds.length === 0) {
    throw new LedgerInputError('empty_pickup', 'a pickup session needs at least one package on the shelves');
  }
  for (const id of packageIds) {
    const pkg = state.packages[id];
    if (pkg?.state !== 'placed') {
      throw new LedgerInputError('package_not_on_shelf', `package ${id} is not on a shelf of this room`);
    }
    if (pkg.residentId !== input.residentId) {
      throw new LedgerInputError(
        'not_residents_package',
        `package ${id} is not addressed to resident ${input.residentId}`,
      );
    }
    const other = Object.values(state.pickupSessions).find(
      (s) => s.endedAtMs === null && s.packageIds.includes(id) && !s.pickedUpIds.includes(id),
    );
    if (other) {
      throw new LedgerInputError(
        'package_in_other_pickup',
        `package ${id} is already being picked up in session ${other.id}`,
      );
    }
  }
  const slotIds = packageIds.map((id) => state.packages[id]!.slotId!);
  out.push(
    {
      type: 'pickup_started',
      atMs,
      sessionId: input.sessionId,
      residentId: input.residentId,
      packageIds,
      expiresAtMs: atMs + options.pickupTimeoutMs,
    },
    {
      type: 'tell_kiosk',
      atMs,
      message: { kind: 'pickup_started', sessionId: input.sessionId, packageIds, slotIds },
    },
    { type: 'locator', atMs, action: 'point', slotId: slotIds[0]!, sessionId: input.sessionId },
  );
}

function endPickup(out: Decisions, session: PickupSession, atMs: number, reason: PickupEndReason): void {
  const { outcome, pickedUpIds, leftBehindIds } = pickupResult(out.state.pickupSessions[session.id]!);
  out.push(
    { type: 'pickup_ended', atMs, sessionId: session.id, reason, outcome, pickedUpIds, leftBehindIds },
    { type: 'locator', atMs, action: 'off', sessionId: session.id },
    {
      type: 'tell_kiosk',
      atMs,
      message: { kind: 'pickup_ended', sessionId: session.id, outcome, pickedUpIds, leftBehindIds },
    },
  );
}

function observe(out: Decisions, observation: LedgerObservation, atMs: number, options: LedgerOptions): void {
  if (observation.kind === 'camera_offline') {
    if (out.state.cameras[observation.cameraId]) return;
    out.push({
      type: 'camera_offline',
      atMs,
      cameraId: observation.cameraId,
      reason: observation.reason ?? null,
    });
    return;
  }
  if (observation.kind === 'camera_online') {
    const outage = out.state.cameras[observation.cameraId];
    if (!outage) return;
    const offlineMs = atMs - outage.offlineSinceMs;
    out.push({ type: 'camera_online', atMs, cameraId: observation.cameraId, offlineMs });
    if (outage.flagId && out.state.flags[outage.flagId]) {
      out.push({
        type: 'flag_resolved',
        atMs,
        flagId: outage.flagId,
        kind: 'camera_offline',
        resolution: { reason: 'camera_online', offlineMs },
      });
    }
    return;
  }
  for (const slotId of [observation.slotId, ...observation.slots]) {
    if (!out.state.slots[slotId]) {
      throw new LedgerInputError('unknown_slot', `slot ${slotId} is not a slot of room ${out.state.roomId}`);
    }
  }
  if (!(observation.confidence >= 0 && observation.confidence <= 1)) {
    throw new LedgerInputError(
      'bad_observation',
      `confidence ${observation.confidence} is not between 0 and 1`,
    );
  }
  const evidence: ObservationEvidence = {
    kind: observation.kind,
    slotId: observation.slotId,
    slots: [...new Set([observation.slotId, ...observation.slots])],
    cameraId: observation.cameraId,
    box: observation.box,
    confidence: observation.confidence,
    atMs,
    pictures: observation.pictures,
  };
  const change =
    observation.kind === 'appeared'
      ? appeared(out, evidence, atMs, options)
      : vanished(out, evidence, atMs, options);
  remember(out, { ...change, atMs, kind: observation.kind, slotId: observation.slotId, evidence }, options);
}

function openDeliveryId(state: LedgerState): string | null {
  const open = Object.values(state.deliverySessions).filter((s) => s.endedAtMs === null);
  open.sort((a, b) => b.startedAtMs - a.startedAtMs);
  return open[0]?.id ?? null;
}

/**
 * The package the next object on a shelf is taken for: the oldest one awaiting a shelf whose
 * delivery is live, i.e. a session of this process lifetime that is open or ended less than
 * `neverPlacedAfterMs` ago. A package of a delivery the state no longer holds is never the target.
 */
function nextLandingPackage(state: LedgerState, atMs: number, options: LedgerOptions): string | undefined {
  return state.awaiting.find((id) => {
    const sessionId = state.packages[id]?.deliverySessionId;
    const session = sessionId ? state.deliverySessions[sessionId] : undefined;
    return (
      session !== undefined &&
      (session.endedAtMs === null || session.endedAtMs + options.neverPlacedAfterMs > atMs)
    );
  });
}

function appeared(
  out: Decisions,
  evidence: ObservationEvidence,
  atMs: number,
  options: LedgerOptions,
): Pick<RecentChange, 'certain' | 'packageId'> {
  const { slotId } = evidence;
  const straddles = evidence.slots.length > 1;
  const nextId = nextLandingPackage(out.state, atMs, options);
  if (nextId !== undefined && !(straddles && evidence.confidence < options.ambiguousMinConfidence)) {
    const pkg = out.state.packages[nextId]!;
    out.push({
      type: 'package_placed',
      atMs,
      packageId: pkg.id,
      slotId,
      residentId: pkg.residentId,
      deliverySessionId: pkg.deliverySessionId,
      evidence,
    });
    if (straddles) {
      raise(out, atMs, options, {
        kind: 'ambiguous_slot',
        slotId,
        packageId: pkg.id,
        cameraId: evidence.cameraId,
        summary: `Package ${short(pkg.id)} rests across ${evidence.slots.join(' and ')}; recorded in ${slotId}, check where it is`,
        evidence: {
          observations: [evidence],
          details: { slots: evidence.slots, confidence: evidence.confidence },
        },
      });
    }
    out.push({
      type: 'tell_kiosk',
      atMs,
      message: {
        kind: 'package_placed',
        sessionId: pkg.deliverySessionId,
        packageId: pkg.id,
        slotId,
        uncertain: straddles,
      },
    });
    if (pkg.residentId) {
      out.push({
        type: 'notify_resident',
        atMs,
        template: 'package_placed',
        residentId: pkg.residentId,
        packageId: pkg.id,
        slotId,
      });
    }
    return { certain: false, packageId: pkg.id };
  }
  const sessionId = openDeliveryId(out.state);
  const ambiguous = nextId !== undefined;
  const flagId = raise(out, atMs, options, {
    kind: ambiguous ? 'ambiguous_slot' : 'unregistered_object',
    slotId,
    cameraId: evidence.cameraId,
    summary: ambiguous
      ? `Something landed across ${evidence.slots.join(' and ')} with confidence ${evidence.confidence.toFixed(2)}, too unsure to be package ${short(nextId)}`
      : `An object appeared in ${slotId} but no registered package was waiting for a shelf`,
    evidence: {
      observations: [evidence],
      details: {
        slots: evidence.slots,
        confidence: evidence.confidence,
        deliverySessionId: sessionId,
        ...(ambiguous ? { candidatePackageId: nextId } : {}),
      },
    },
  });
  out.push({ type: 'object_appeared', atMs, objectId: options.newId(), slotId, flagId });
  if (!ambiguous) {
    out.push({
      type: 'tell_kiosk',
      atMs,
      message: { kind: 'unregistered_object', sessionId, slotId, flagId },
    });
  }
  return { certain: false, packageId: null };
}

/** Pickup sessions that still explain removals: open ones and those in their grace, newest first. */
function activePickups(state: LedgerState): PickupSession[] {
  return Object.values(state.pickupSessions).sort((a, b) => b.startedAtMs - a.startedAtMs);
}

function vanished(
  out: Decisions,
  evidence: ObservationEvidence,
  atMs: number,
  options: LedgerOptions,
): Pick<RecentChange, 'certain' | 'packageId'> {
  const { slotId } = evidence;
  const occupants = out.state.slots[slotId]!;
  if (occupants.length === 0) {
    raise(out, atMs, options, {
      kind: 'state_mismatch',
      slotId,
      cameraId: evidence.cameraId,
      summary: `Something left ${slotId}, where the ledger knew of nothing`,
      evidence: { observations: [evidence], details: { ledgerOccupants: [] } },
    });
    return { certain: false, packageId: null };
  }
  const sessions = activePickups(out.state);
  for (const session of sessions) {
    const own = occupants.find(
      (o) =>
        o.kind === 'package' &&
        session.packageIds.includes(o.packageId) &&
        !session.pickedUpIds.includes(o.packageId),
    );
    if (own?.kind !== 'package') continue;
    out.push({
      type: 'package_picked_up',
      atMs,
      packageId: own.packageId,
      slotId,
      residentId: session.residentId,
      sessionId: session.id,
      evidence,
    });
    const after = out.state.pickupSessions[session.id]!;
    const remaining = after.packageIds.filter((id) => !after.pickedUpIds.includes(id));
    out.push(
      {
        type: 'notify_resident',
        atMs,
        template: 'package_picked_up',
        residentId: session.residentId,
        packageId: own.packageId,
        slotId,
      },
      {
        type: 'tell_kiosk',
        atMs,
        message: {
          kind: 'package_picked_up',
          sessionId: session.id,
          packageId: own.packageId,
          remainingPackageIds: remaining,
        },
      },
    );
    if (after.endedAtMs === null) {
      const nextSlot = remaining.map((id) => out.state.packages[id]?.slotId).find((s) => s);
      if (nextSlot)
        out.push({ type: 'locator', atMs, action: 'point', slotId: nextSlot, sessionId: session.id });
      else endPickup(out, after, atMs, 'all_picked_up');
    }
    return { certain: true, packageId: own.packageId };
  }
  const packages = occupants.filter((o) => o.kind === 'package');
  const taken = packages[packages.length - 1];
  if (taken) {
    const pkg = out.state.packages[taken.packageId]!;
    const session = sessions[0];
    let flagId: string;
    if (session) {
      const expectedSlotIds = session.packageIds
        .filter((id) => !session.pickedUpIds.includes(id))
        .map((id) => out.state.packages[id]?.slotId)
        .filter((s): s is string => Boolean(s));
      flagId = raise(out, atMs, options, {
        kind: 'wrong_pickup',
        slotId,
        packageId: pkg.id,
        cameraId: evidence.cameraId,
        summary: `Package ${short(pkg.id)} left ${slotId} during the pickup of another resident (${short(session.residentId)})`,
        evidence: {
          observations: [evidence],
          details: {
            pickupSessionId: session.id,
            sessionResidentId: session.residentId,
            ownerResidentId: pkg.residentId,
            expectedSlotIds,
          },
        },
      });
      out.push({ type: 'package_removed', atMs, packageId: pkg.id, slotId, flagId, evidence });
      if (session.endedAtMs === null) {
        out.push({
          type: 'tell_kiosk',
          atMs,
          message: {
            kind: 'wrong_package_taken',
            sessionId: session.id,
            packageId: pkg.id,
            slotId,
            expectedSlotIds,
            flagId,
          },
        });
      }
    } else {
      flagId = raise(out, atMs, options, {
        kind: 'removal_without_session',
        slotId,
        packageId: pkg.id,
        cameraId: evidence.cameraId,
        summary: `Package ${short(pkg.id)} left ${slotId} while no pickup session was open`,
        evidence: { observations: [evidence], details: { ownerResidentId: pkg.residentId } },
      });
      out.push({ type: 'package_removed', atMs, packageId: pkg.id, slotId, flagId, evidence });
    }
    return { certain: false, packageId: pkg.id };
  }
  const object = occupants[occupants.length - 1]!;
  if (object.kind === 'object') {
    out.push({ type: 'object_vanished', atMs, objectId: object.objectId, slotId, flagId: object.flagId });
  }
  return { certain: false, packageId: null };
}

/**
 * Several changes close together make the matching unsure (which package went where, which one
 * was taken): one several_moved flag per burst, unless every change in it is a pickup by the
 * session's own resident.
 */
function remember(out: Decisions, change: RecentChange, options: LedgerOptions): void {
  const windowMs = options.severalMovedWindowMs;
  const recent = out.state.recentChanges.filter((c) => c.atMs >= change.atMs - windowMs);
  const alreadyFlagged = recent.length > 0 && out.state.burstFlagId !== null;
  out.push({ type: 'change_remembered', atMs: change.atMs, change, windowMs });
  const burst = [...recent, change];
  if (burst.length < 2 || burst.every((c) => c.certain) || alreadyFlagged) return;
  const slots = [...new Set(burst.map((c) => c.slotId))];
  raise(out, change.atMs, options, {
    kind: 'several_moved',
    summary: `${burst.length} changes within ${windowMs} ms (${slots.join(', ')}): which package is where may be wrong`,
    evidence: {
      observations: burst.map((c) => c.evidence),
      details: {
        slots,
        packageIds: burst.map((c) => c.packageId).filter((id): id is string => id !== null),
        windowMs,
      },
    },
  });
}

/**
 * After a restart: the rebuilt state against what the cameras see now (`seenCounts`: objects
 * per slot, only for slots an online camera watches). Every difference becomes a state_mismatch
 * flag; objects the ledger did not know of are kept as unexplained objects, packages the cameras
 * miss stay recorded until staff decide.
 */
export function reconcile(
  state: LedgerState,
  seenCounts: Readonly<Record<string, number>>,
  atMs: number,
  options: LedgerOptions,
): LedgerStep {
  const now = Math.max(state.nowMs, atMs);
  const out = new Decisions(state);
  for (const [slotId, seen] of Object.entries(seenCounts)) {
    const occupants = out.state.slots[slotId];
    if (!occupants) {
      throw new LedgerInputError('unknown_slot', `slot ${slotId} is not a slot of room ${state.roomId}`);
    }
    if (!Number.isInteger(seen) || seen < 0) {
      throw new LedgerInputError(
        'bad_observation',
        `count ${seen} for slot ${slotId} is not a whole number ≥ 0`,
      );
    }
    if (seen === occupants.length) continue;
    const flagged = Object.values(out.state.flags).some(
      (f) => f.kind === 'state_mismatch' && f.slotId === slotId,
    );
    if (flagged) continue;
    const packageIds = occupants.flatMap((o) => (o.kind === 'package' ? [o.packageId] : []));
    const flagId = raise(out, now, options, {
      kind: 'state_mismatch',
      slotId,
      packageId: seen < occupants.length && packageIds.length === 1 ? packageIds[0]! : null,
      summary:
        seen > occupants.length
          ? `After a restart the cameras see ${seen} object(s) in ${slotId}, the ledger recorded ${occupants.length}`
          : `After a restart the cameras see ${seen} object(s) in ${slotId}, the ledger recorded ${occupants.length}: a package may be missing`,
      evidence: { details: { ledgerCount: occupants.length, seenCount: seen, ledgerPackageIds: packageIds } },
    });
    for (let i = occupants.length; i < seen; i++) {
      out.push({ type: 'object_appeared', atMs: now, objectId: options.newId(), slotId, flagId });
    }
  }
  return { state: { ...out.state, nowMs: now }, decisions: out.list };
}
