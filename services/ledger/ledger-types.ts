/**
 * The room ledger's vocabulary: what goes in (commands from the kiosk and observations from the
 * cameras), what it holds (the room's state) and what comes out (decisions). Everything here is
 * plain data, so that a state can be compared, copied, persisted and rebuilt.
 */

export const flagKinds = [
  'unregistered_object',
  'ambiguous_slot',
  'never_placed',
  'removal_without_session',
  'wrong_pickup',
  'several_moved',
  'camera_offline',
  'state_mismatch',
] as const;
export type FlagKind = (typeof flagKinds)[number];

export interface BoxPx {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The pictures a camera observation comes with (the pipeline's `Evidence`). */
export interface EvidencePictures {
  frameJpeg: Uint8Array;
  cropJpeg: Uint8Array;
}

/** One camera observation as evidence of a decision. */
export interface ObservationEvidence {
  kind: 'appeared' | 'vanished';
  slotId: string;
  slots: string[];
  cameraId: string;
  box: BoxPx;
  confidence: number;
  /** When the ledger took it in (the ledger's clock). */
  atMs: number;
  pictures?: EvidencePictures | undefined;
}

export interface FlagEvidence {
  /** The observations that led to the flag, oldest first. */
  observations: ObservationEvidence[];
  /** Anything else that explains the flag (the expected slot, the session, the counts…). */
  details: Record<string, unknown>;
}

// ---------------------------------------------------------------- inputs

export type LedgerObservation =
  | {
      kind: 'appeared' | 'vanished';
      slotId: string;
      /** Every slot the object covers; more than one means it straddles or the camera is unsure. */
      slots: string[];
      cameraId: string;
      box: BoxPx;
      confidence: number;
      pictures?: EvidencePictures | undefined;
    }
  | { kind: 'camera_offline'; cameraId: string; reason?: string | undefined }
  | { kind: 'camera_online'; cameraId: string };

/** Everything that can happen to the ledger; `atMs` is the ledger's clock (injectable). */
export type LedgerInput =
  | { type: 'delivery_started'; atMs: number; sessionId: string; courierId: string | null }
  | {
      type: 'package_registered';
      atMs: number;
      sessionId: string;
      packageId: string;
      residentId: string | null;
      /** Label data, written with the package when the store has no row for it yet. */
      details?: PackageDetails | undefined;
    }
  | { type: 'delivery_ended'; atMs: number; sessionId: string }
  | {
      type: 'pickup_started';
      atMs: number;
      sessionId: string;
      residentId: string;
      /** The resident's packages on the shelves that this session is for (all placed). */
      packageIds: string[];
    }
  | { type: 'pickup_ended'; atMs: number; sessionId: string }
  | { type: 'tick'; atMs: number }
  | { type: 'observed'; atMs: number; observation: LedgerObservation }
  /**
   * A new process lifetime begins (the service started). Whatever sessions the state holds were
   * opened by a process that is gone: nobody is at the kiosk for them any more.
   */
  | { type: 'restarted'; atMs: number };

export interface PackageDetails {
  courierId?: string | null | undefined;
  carrier?: string | null | undefined;
  trackingNumber?: string | null | undefined;
  recipientText?: string | null | undefined;
}

// ---------------------------------------------------------------- state

export type SlotOccupant =
  | { kind: 'package'; packageId: string; sinceMs: number }
  /** Something on the shelf that no registration explains; `flagId` is the flag raised for it. */
  | { kind: 'object'; objectId: string; flagId: string; sinceMs: number };

export interface LedgerPackage {
  id: string;
  residentId: string | null;
  state: 'awaiting_placement' | 'placed';
  slotId: string | null;
  deliverySessionId: string | null;
  registeredAtMs: number;
  /** Set when the never_placed flag was raised: the package no longer waits for a shelf. */
  neverPlacedFlagId: string | null;
}

export interface DeliverySession {
  id: string;
  courierId: string | null;
  startedAtMs: number;
  /** When the courier finished (or the session timed out); packages may still land for a while. */
  endedAtMs: number | null;
}

export interface PickupSession {
  id: string;
  residentId: string;
  packageIds: string[];
  pickedUpIds: string[];
  startedAtMs: number;
  expiresAtMs: number;
  /** Ended sessions stay for a short grace: a resident still in the doorway may take the package. */
  endedAtMs: number | null;
}

export interface OpenFlag {
  id: string;
  kind: FlagKind;
  slotId: string | null;
  packageId: string | null;
  cameraId: string | null;
  raisedAtMs: number;
  summary: string;
}

export interface CameraOutage {
  offlineSinceMs: number;
  reason: string | null;
  flagId: string | null;
}

/** A recent change on the shelves, remembered to recognise several things moving at once. */
export interface RecentChange {
  atMs: number;
  kind: 'appeared' | 'vanished';
  slotId: string;
  /** A pickup by the session's own resident is not in doubt, even in a burst. */
  certain: boolean;
  packageId: string | null;
  evidence: ObservationEvidence;
}

export interface LedgerState {
  roomId: string;
  nowMs: number;
  /** Every slot of the room, its occupants ordered by (sinceMs, id). */
  slots: Record<string, SlotOccupant[]>;
  /** Packages the ledger looks after: awaiting placement or on a shelf. */
  packages: Record<string, LedgerPackage>;
  /** Packages waiting for a shelf, oldest registration first (ties by id). */
  awaiting: string[];
  deliverySessions: Record<string, DeliverySession>;
  pickupSessions: Record<string, PickupSession>;
  flags: Record<string, OpenFlag>;
  cameras: Record<string, CameraOutage>;
  /** Transient: not persisted, empty after a restart. */
  recentChanges: RecentChange[];
  /** Transient: the several_moved flag of the burst in progress. */
  burstFlagId: string | null;
}

// ---------------------------------------------------------------- decisions

export interface NewFlag {
  id: string;
  kind: FlagKind;
  slotId: string | null;
  packageId: string | null;
  cameraId: string | null;
  summary: string;
  evidence: FlagEvidence;
}

export type KioskMessage =
  | { kind: 'delivery_started'; sessionId: string }
  | { kind: 'package_awaiting'; sessionId: string; packageId: string; awaitingPackageIds: string[] }
  | {
      kind: 'package_placed';
      sessionId: string | null;
      packageId: string;
      slotId: string;
      /** True when the package straddles slots and staff will check. */
      uncertain: boolean;
    }
  | { kind: 'unregistered_object'; sessionId: string | null; slotId: string; flagId: string }
  | { kind: 'delivery_ended'; sessionId: string; awaitingPackageIds: string[] }
  | { kind: 'pickup_started'; sessionId: string; packageIds: string[]; slotIds: string[] }
  | { kind: 'package_picked_up'; sessionId: string; packageId: string; remainingPackageIds: string[] }
  | {
      kind: 'wrong_package_taken';
      sessionId: string;
      packageId: string;
      slotId: string;
      /** Where the resident's own packages are. */
      expectedSlotIds: string[];
      flagId: string;
    }
  | {
      kind: 'pickup_ended';
      sessionId: string;
      outcome: PickupOutcome;
      pickedUpIds: string[];
      leftBehindIds: string[];
    };

export type PickupOutcome = 'picked_up' | 'partly_picked_up' | 'nothing_picked_up';
export type DeliveryEndReason = 'courier' | 'timeout';
export type PickupEndReason = 'resident' | 'timeout' | 'all_picked_up';

/**
 * What the ledger decided. The state-changing ones are facts (persisted as events and rows);
 * `tell_kiosk`, `notify_resident` and `locator` are instructions that adapters carry out only after
 * the facts are committed.
 */
export type LedgerDecision =
  | { type: 'delivery_started'; atMs: number; sessionId: string; courierId: string | null }
  | {
      type: 'package_awaiting';
      atMs: number;
      sessionId: string;
      packageId: string;
      residentId: string | null;
      details: PackageDetails | null;
    }
  | {
      type: 'delivery_ended';
      atMs: number;
      sessionId: string;
      reason: DeliveryEndReason;
      awaitingPackageIds: string[];
    }
  | {
      type: 'package_placed';
      atMs: number;
      packageId: string;
      slotId: string;
      residentId: string | null;
      deliverySessionId: string | null;
      evidence: ObservationEvidence;
    }
  | { type: 'package_not_placed'; atMs: number; packageId: string; flagId: string }
  /** A delivery left open by a process that died: closed at the next start, its packages flagged. */
  | {
      type: 'delivery_abandoned';
      atMs: number;
      sessionId: string;
      courierId: string | null;
      awaitingPackageIds: string[];
    }
  | {
      type: 'package_picked_up';
      atMs: number;
      packageId: string;
      slotId: string;
      residentId: string;
      sessionId: string;
      evidence: ObservationEvidence;
    }
  /** The package left its slot outside a pickup of it: its whereabouts are unknown (`lost`). */
  | {
      type: 'package_removed';
      atMs: number;
      packageId: string;
      slotId: string;
      flagId: string;
      evidence: ObservationEvidence;
    }
  | { type: 'object_appeared'; atMs: number; objectId: string; slotId: string; flagId: string }
  | { type: 'object_vanished'; atMs: number; objectId: string; slotId: string; flagId: string }
  | { type: 'flag_raised'; atMs: number; flag: NewFlag }
  | {
      type: 'flag_resolved';
      atMs: number;
      flagId: string;
      kind: FlagKind;
      resolution: Record<string, unknown>;
    }
  | {
      type: 'pickup_started';
      atMs: number;
      sessionId: string;
      residentId: string;
      packageIds: string[];
      expiresAtMs: number;
    }
  | {
      type: 'pickup_ended';
      atMs: number;
      sessionId: string;
      reason: PickupEndReason;
      outcome: PickupOutcome;
      pickedUpIds: string[];
      leftBehindIds: string[];
    }
  /**
   * A pickup left open by a process that died: closed at the next start (the locator goes off);
   * what was not picked up stays on its shelf, waiting. It keeps the grace of an ended session.
   */
  | {
      type: 'pickup_abandoned';
      atMs: number;
      sessionId: string;
      residentId: string;
      outcome: PickupOutcome;
      pickedUpIds: string[];
      leftBehindIds: string[];
    }
  /** An ended pickup session's grace ran out: it stops explaining removals. */
  | { type: 'pickup_forgotten'; atMs: number; sessionId: string }
  | { type: 'camera_offline'; atMs: number; cameraId: string; reason: string | null }
  | { type: 'camera_online'; atMs: number; cameraId: string; offlineMs: number }
  | { type: 'change_remembered'; atMs: number; change: RecentChange; windowMs: number }
  | {
      type: 'notify_resident';
      atMs: number;
      template: 'package_placed' | 'package_picked_up';
      residentId: string;
      packageId: string;
      slotId: string;
    }
  | { type: 'tell_kiosk'; atMs: number; message: KioskMessage }
  | { type: 'locator'; atMs: number; action: 'point'; slotId: string; sessionId: string }
  | { type: 'locator'; atMs: number; action: 'off'; sessionId: string };

export type LedgerDecisionType = LedgerDecision['type'];

/** Decisions that only tell someone something; they change no state and are not events. */
export const instructionTypes: ReadonlySet<LedgerDecisionType> = new Set([
  'notify_resident',
  'tell_kiosk',
  'locator',
]);

/** Decisions kept only in memory (burst detection); they are neither events nor rows. */
export const transientTypes: ReadonlySet<LedgerDecisionType> = new Set(['change_remembered']);

export interface LedgerOptions {
  /** Awaiting packages of an ended delivery get this long to land before never_placed. */
  neverPlacedAfterMs: number;
  /** A delivery session nobody ends is ended after this long. */
  deliveryTimeoutMs: number;
  /** A pickup session nobody ends is ended after this long. */
  pickupTimeoutMs: number;
  /** After a pickup session ends, its packages leaving still count as picked up for this long. */
  pickupGraceMs: number;
  /** A camera offline this long raises camera_offline. */
  cameraOfflineFlagAfterMs: number;
  /** Changes on the shelves this close together are one burst (several_moved). */
  severalMovedWindowMs: number;
  /** A straddling object below this confidence is flagged instead of placed. */
  ambiguousMinConfidence: number;
  /** Ids for flags and objects; random UUIDs by default, a counter in tests. */
  newId: () => string;
}

export const defaultLedgerOptions: Omit<LedgerOptions, 'newId'> = {
  neverPlacedAfterMs: 120_000,
  deliveryTimeoutMs: 15 * 60_000,
  pickupTimeoutMs: 3 * 60_000,
  pickupGraceMs: 15_000,
  cameraOfflineFlagAfterMs: 30_000,
  severalMovedWindowMs: 1500,
  ambiguousMinConfidence: 0.5,
};
