import { slotIdPattern } from '../../calibration/index.ts';
import type { BoxLike, CameraObservation } from '../tracking/index.ts';

/** Same unit and level, and next to each other (or the same slot). */
function neighbours(a: string, b: string): boolean {
  const ma = slotIdPattern.exec(a);
  const mb = slotIdPattern.exec(b);
  if (!ma || !mb) return a === b;
  return ma[1] === mb[1] && ma[2] === mb[2] && Math.abs(Number(ma[3]) - Number(mb[3])) <= 1;
}

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
  /** Room observations of the last moments, to recognise other cameras' views of them. */
  private recent: RoomObservation[] = [];
  /** Each camera object's slot as the room counts it (another camera may have named it first). */
  private readonly aliases = new Map<string, string>();

  constructor(private readonly corroborateMs = 5000) {}

  add(observation: CameraObservation): RoomObservation | undefined {
    this.recent = this.recent.filter((r) => observation.timeMs - r.timeMs <= this.corroborateMs);
    let slotId = observation.slotId;
    let corroborated: RoomObservation | undefined;
    if (observation.kind === 'appeared') {
      // Another camera's view of a change the room has just reported: two cameras can place one
      // package a slot apart (a package near a slot's edge, or across two slots).
      corroborated = this.recent.find(
        (r) =>
          r.kind === 'appeared' &&
          r.cameraId !== observation.cameraId &&
          !r.alsoSeenBy.includes(observation.cameraId) &&
          (r.slots.some((s) => observation.slots.includes(s)) || neighbours(r.slotId, observation.slotId)),
      );
      if (corroborated) slotId = corroborated.slotId;
      this.aliases.set(observation.objectId, slotId);
    } else {
      slotId = this.aliases.get(observation.objectId) ?? slotId;
      this.aliases.delete(observation.objectId);
      corroborated = this.recent.find(
        (r) =>
          r.kind === 'vanished' &&
          r.slotId === slotId &&
          r.cameraId !== observation.cameraId &&
          !r.alsoSeenBy.includes(observation.cameraId),
      );
    }
    const perSlot = this.countsOf(observation.cameraId);
    const before = this.roomCount(slotId);
    const delta = observation.kind === 'appeared' ? 1 : -1;
    perSlot.set(slotId, Math.max(0, (perSlot.get(slotId) ?? 0) + delta));
    const after = this.roomCount(slotId);
    if (after === before) {
      if (corroborated) corroborated.alsoSeenBy.push(observation.cameraId);
      return undefined;
    }
    const room: RoomObservation = {
      kind: after > before ? 'appeared' : 'vanished',
      slotId,
      slots: slotId === observation.slotId ? observation.slots : [slotId],
      cameraId: observation.cameraId,
      box: observation.box,
      confidence: observation.confidence,
      timeMs: observation.timeMs,
      alsoSeenBy: [],
    };
    this.recent.push(room);
    return room;
  }

  /** Counts what a camera found on the shelves at its start, without reporting it. */
  seed(observation: CameraObservation): void {
    const perSlot = this.countsOf(observation.cameraId);
    perSlot.set(observation.slotId, (perSlot.get(observation.slotId) ?? 0) + 1);
    this.aliases.set(observation.objectId, observation.slotId);
  }

  private countsOf(cameraId: string): Map<string, number> {
    let perSlot = this.counts.get(cameraId);
    if (!perSlot) {
      perSlot = new Map<string, number>();
      this.counts.set(cameraId, perSlot);
    }
    return perSlot;
  }

  roomCount(slotId: string): number {
    let most = 0;
    for (const perSlot of this.counts.values()) most = Math.max(most, perSlot.get(slotId) ?? 0);
    return most;
  }
}
