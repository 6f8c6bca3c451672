import type { LedgerDecision, LedgerState, SlotOccupant } from './ledger-types.ts';

/** An empty room: every slot free, nothing awaited, no session, no flag. */
export function emptyLedgerState(roomId: string, slotIds: readonly string[], nowMs = 0): LedgerState {
  return {
    roomId,
    nowMs,
    slots: Object.fromEntries(slotIds.map((id) => [id, []])),
    packages: {},
    awaiting: [],
    deliverySessions: {},
    pickupSessions: {},
    flags: {},
    cameras: {},
    recentChanges: [],
    burstFlagId: null,
  };
}

const occupantId = (o: SlotOccupant): string => (o.kind === 'package' ? o.packageId : o.objectId);

/** Occupants in (sinceMs, id) order, so that a state rebuilt from rows compares equal. */
export function sortOccupants(occupants: SlotOccupant[]): SlotOccupant[] {
  return [...occupants].sort((a, b) => a.sinceMs - b.sinceMs || occupantId(a).localeCompare(occupantId(b)));
}

function withoutOccupant(state: LedgerState, slotId: string, id: string): LedgerState['slots'] {
  return { ...state.slots, [slotId]: (state.slots[slotId] ?? []).filter((o) => occupantId(o) !== id) };
}

function withOccupant(state: LedgerState, slotId: string, occupant: SlotOccupant): LedgerState['slots'] {
  return { ...state.slots, [slotId]: sortOccupants([...(state.slots[slotId] ?? []), occupant]) };
}

/** Awaiting packages in FIFO order: oldest registration first, ties by id. */
export function sortAwaiting(state: Pick<LedgerState, 'packages'>, ids: string[]): string[] {
  return [...ids].sort((a, b) => {
    const pa = state.packages[a]!;
    const pb = state.packages[b]!;
    return pa.registeredAtMs - pb.registeredAtMs || a.localeCompare(b);
  });
}

function omit<T>(record: Record<string, T>, key: string): Record<string, T> {
  const { [key]: _, ...rest } = record;
  return rest;
}

/** An ended delivery session is kept only while some of its packages still wait for a shelf. */
function dropFinishedDelivery(state: LedgerState, sessionId: string | null): LedgerState {
  if (!sessionId) return state;
  const session = state.deliverySessions[sessionId];
  if (!session || session.endedAtMs === null) return state;
  const waiting = state.awaiting.some((id) => state.packages[id]?.deliverySessionId === sessionId);
  return waiting ? state : { ...state, deliverySessions: omit(state.deliverySessions, sessionId) };
}

/**
 * The state after one decision. Instructions (kiosk, notification, locator) change nothing.
 * Folding a run's decisions over its starting state gives the run's final state: that is how the
 * ledger is replayed.
 */
export function evolve(state: LedgerState, decision: LedgerDecision): LedgerState {
  const s: LedgerState = { ...state, nowMs: Math.max(state.nowMs, decision.atMs) };
  switch (decision.type) {
    case 'delivery_started':
      return {
        ...s,
        deliverySessions: {
          ...s.deliverySessions,
          [decision.sessionId]: {
            id: decision.sessionId,
            courierId: decision.courierId,
            startedAtMs: decision.atMs,
            endedAtMs: null,
          },
        },
      };
    case 'package_awaiting': {
      const packages = {
        ...s.packages,
        [decision.packageId]: {
          id: decision.packageId,
          residentId: decision.residentId,
          state: 'awaiting_placement' as const,
          slotId: null,
          deliverySessionId: decision.sessionId,
          registeredAtMs: decision.atMs,
          neverPlacedFlagId: null,
        },
      };
      return { ...s, packages, awaiting: sortAwaiting({ packages }, [...s.awaiting, decision.packageId]) };
    }
    case 'delivery_ended':
    case 'delivery_abandoned': {
      const session = s.deliverySessions[decision.sessionId];
      if (!session) return s;
      return dropFinishedDelivery(
        {
          ...s,
          deliverySessions: {
            ...s.deliverySessions,
            [decision.sessionId]: { ...session, endedAtMs: decision.atMs },
          },
        },
        decision.sessionId,
      );
    }
    case 'package_placed': {
      const pkg = s.packages[decision.packageId];
      if (!pkg) return s;
      return dropFinishedDelivery(
        {
          ...s,
          packages: {
            ...s.packages,
            [pkg.id]: { ...pkg, state: 'placed', slotId: decision.slotId, neverPlacedFlagId: null },
          },
          awaiting: s.awaiting.filter((id) => id !== pkg.id),
          slots: withOccupant(s, decision.slotId, {
            kind: 'package',
            packageId: pkg.id,
            sinceMs: decision.atMs,
          }),
        },
        pkg.deliverySessionId,
      );
    }
    case 'package_not_placed': {
      const pkg = s.packages[decision.packageId];
      if (!pkg) return s;
      return dropFinishedDelivery(
        {
          ...s,
          packages: { ...s.packages, [pkg.id]: { ...pkg, neverPlacedFlagId: decision.flagId } },
          awaiting: s.awaiting.filter((id) => id !== pkg.id),
        },
        pkg.deliverySessionId,
      );
    }
    case 'package_picked_up': {
      const session = s.pickupSessions[decision.sessionId];
      return {
        ...s,
        packages: omit(s.packages, decision.packageId),
        slots: withoutOccupant(s, decision.slotId, decision.packageId),
        pickupSessions: session
          ? {
              ...s.pickupSessions,
              [session.id]: { ...session, pickedUpIds: [...session.pickedUpIds, decision.packageId] },
            }
          : s.pickupSessions,
      };
    }
    case 'package_removed':
      return {
        ...s,
        packages: omit(s.packages, decision.packageId),
        slots: withoutOccupant(s, decision.slotId, decision.packageId),
      };
    case 'object_appeared':
      return {
        ...s,
        slots: withOccupant(s, decision.slotId, {
          kind: 'object',
          objectId: decision.objectId,
          flagId: decision.flagId,
          sinceMs: decision.atMs,
        }),
      };
    case 'object_vanished':
      return { ...s, slots: withoutOccupant(s, decision.slotId, decision.objectId) };
    case 'flag_raised': {
      const { flag } = decision;
      const next: LedgerState = {
        ...s,
        flags: {
          ...s.flags,
          [flag.id]: {
            id: flag.id,
            kind: flag.kind,
            slotId: flag.slotId,
            packageId: flag.packageId,
            cameraId: flag.cameraId,
            raisedAtMs: decision.atMs,
            summary: flag.summary,
          },
        },
      };
      if (flag.kind === 'several_moved') next.burstFlagId = flag.id;
      const outage = flag.cameraId ? next.cameras[flag.cameraId] : undefined;
      if (flag.kind === 'camera_offline' && flag.cameraId && outage) {
        next.cameras = { ...next.cameras, [flag.cameraId]: { ...outage, flagId: flag.id } };
      }
      return next;
    }
    case 'flag_resolved':
      return { ...s, flags: omit(s.flags, decision.flagId) };
    case 'pickup_started':
      return {
        ...s,
        pickupSessions: {
          ...s.pickupSessions,
          [decision.sessionId]: {
            id: decision.sessionId,
            residentId: decision.residentId,
            packageIds: decision.packageIds,
            pickedUpIds: [],
            startedAtMs: decision.atMs,
            expiresAtMs: decision.expiresAtMs,
            endedAtMs: null,
          },
        },
      };
    case 'pickup_ended':
    case 'pickup_abandoned': {
      const session = s.pickupSessions[decision.sessionId];
      if (!session) return s;
      return {
        ...s,
        pickupSessions: { ...s.pickupSessions, [session.id]: { ...session, endedAtMs: decision.atMs } },
      };
    }
    case 'pickup_forgotten':
      return { ...s, pickupSessions: omit(s.pickupSessions, decision.sessionId) };
    case 'camera_offline':
      return {
        ...s,
        cameras: {
          ...s.cameras,
          [decision.cameraId]: { offlineSinceMs: decision.atMs, reason: decision.reason, flagId: null },
        },
      };
    case 'camera_online':
      return { ...s, cameras: omit(s.cameras, decision.cameraId) };
    case 'change_remembered': {
      const kept = s.recentChanges.filter((c) => c.atMs >= decision.change.atMs - decision.windowMs);
      return {
        ...s,
        recentChanges: [...kept, decision.change],
        burstFlagId: kept.length === 0 ? null : s.burstFlagId,
      };
    }
    case 'notify_resident':
    case 'tell_kiosk':
    case 'locator':
      return s;
  }
}
