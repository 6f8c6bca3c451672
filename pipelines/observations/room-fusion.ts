import type { BoxLike, CameraObservation } from '../tracking/index.ts';

/** What the room reports to the ledger: one observation per real change, whatever saw it. */
export interface RoomObservation {
  kind: 'appeared' | 'vanished';
  slotId: string;
  slots: string[];
  /** The camera whose view decided it, and the box in that camera's picture. */
  cameraId: string;
  box: BoxLike;
  confidence: number;
  timeMs: number;
  /** Other cameras that saw the same change. */
  alsoSeenBy: string[];
}

/**
 * Merges the cameras' observations into the room's. For every slot the room counts the objects
 * the camera seeing most of them counts: a package one camera sees and another cannot (hidden
 * behind a neighbour) stays; it appears when the first camera sees it, and vanishes only when
 * no camera sees it any more. An offline camera keeps its last belief, so a camera dropping out
 * never makes packages vanish.
 */
export class RoomFusion {
  /** camera → slot → objects. */
  private readonly counts = new Map<string, Map<string, number>>();
  /** The latest room observation per slot and kind, to name cameras that agree later. */
  private readonly recent = new Map<string, RoomObservation>();

  constructor(private readonly corroborateMs = 5000) {}

  add(observation: CameraObservation): RoomObservation | undefined {
    const perSlot = this.counts.get(observation.cameraId) ?? new Map<string, number>();
    this.counts.set(observation.cameraId, perSlot);
    const before = this.roomCount(observation.slotId);
    const delta = observation.kind === 'appeared' ? 1 : -1;
    perSlot.set(observation.slotId, Math.max(0, (perSlot.get(observation.slotId) ?? 0) + delta));
    const after = this.roomCount(observation.slotId);
    const key = `${observation.kind}:${observation.slotId}`;
    if (after === before) {
      const earlier = this.recent.get(key);
      if (
        earlier &&
        observation.timeMs - earlier.timeMs <= this.corroborateMs &&
        earlier.cameraId !== observation.cameraId
      )
        earlier.alsoSeenBy = [...new Set([...earlier.alsoSeenBy, observation.cameraId])];
      return undefined;
    }
    const room: RoomObservation = {
      kind: after > before ? 'appeared' : 'vanished',
      slotId: observation.slotId,
      slots: observation.slots,
      cameraId: observation.cameraId,
      box: observation.box,
      confidence: observation.confidence,
      timeMs: observation.timeMs,
      alsoSeenBy: [],
    };
    this.recent.set(key, room);
    return room;
  }

  roomCount(slotId: string): number {
    let most = 0;
    for (const perSlot of this.counts.values()) most = Math.max(most, perSlot.get(slotId) ?? 0);
    return most;
  }
}
