import { iou } from '../../models/index.ts';
import { assignSlot, type BoxLike, type SlotAssignment, type SlotView } from './slot-assigner.ts';

export interface ScoredBox extends BoxLike {
  score: number;
}

/** An object the camera believes rests on a slot. */
export interface TrackedObject extends SlotAssignment {
  id: string;
  box: BoxLike;
  score: number;
  sinceMs: number;
}

export interface CameraObservation {
  kind: 'appeared' | 'vanished';
  cameraId: string;
  objectId: string;
  slotId: string;
  /** Candidate slots: two when the object straddles them. */
  slots: string[];
  box: BoxLike;
  /** Detector score times how squarely the object sits in its slot. */
  confidence: number;
  timeMs: number;
}

export interface SlotTrackerOptions {
  /** Package detections below this score are not objects. */
  minScore: number;
  /** Boxes of one object in two detections overlap at least this much. */
  matchIou: number;
}

export const defaultSlotTrackerOptions: SlotTrackerOptions = { minScore: 0.4, matchIou: 0.3 };

/**
 * One camera's belief of what rests where. Each update covers the slots the camera has just
 * looked at (those that settled after a change, or a periodic re-check): detections there are
 * matched to the objects already known by overlap; new ones have appeared, unmatched old ones
 * have vanished. Slots with a person in front are not judged: they are returned as held, to be
 * looked at again once the person has gone.
 */
export class SlotTracker {
  private readonly objects = new Map<string, TrackedObject>();
  private readonly options: SlotTrackerOptions;
  private nextId = 1;

  constructor(
    readonly cameraId: string,
    readonly slots: readonly SlotView[],
    options: Partial<SlotTrackerOptions> = {},
  ) {
    this.options = { ...defaultSlotTrackerOptions, ...options };
  }

  get current(): TrackedObject[] {
    return [...this.objects.values()];
  }

  update(
    packages: readonly ScoredBox[],
    people: readonly BoxLike[],
    examined: ReadonlySet<string>,
    timeMs: number,
  ): { observations: CameraObservation[]; held: string[] } {
    const held = [...examined].filter((id) => {
      const slot = this.slots.find((s) => s.id === id);
      return slot !== undefined && people.some((person) => coversSlot(person, slot.polygon));
    });
    const judged = new Set([...examined].filter((id) => !held.includes(id)));
    const seen = packages
      .filter((p) => p.score >= this.options.minScore)
      .map((p) => ({ box: p, assignment: assignSlot(p, this.slots) }))
      .filter(
        (d): d is { box: ScoredBox; assignment: SlotAssignment } =>
          d.assignment !== undefined && judged.has(d.assignment.primary),
      );
    const known = [...this.objects.values()].filter((o) => judged.has(o.primary));
    const pairs: Array<{ d: number; o: number; overlap: number }> = [];
    for (const [di, d] of seen.entries())
      for (const [oi, o] of known.entries()) {
        const overlap = iou(d.box, o.box);
        if (overlap >= this.options.matchIou) pairs.push({ d: di, o: oi, overlap });
      }
    pairs.sort((a, b) => b.overlap - a.overlap);
    const matchedD = new Set<number>();
    const matchedO = new Set<number>();
    for (const { d, o } of pairs) {
      if (matchedD.has(d) || matchedO.has(o)) continue;
      matchedD.add(d);
      matchedO.add(o);
      const object = known[o]!;
      const { box, assignment } = seen[d]!;
      Object.assign(object, assignment, { box: plain(box), score: box.score });
    }
    const observations: CameraObservation[] = [];
    known.forEach((object, oi) => {
      if (matchedO.has(oi)) return;
      this.objects.delete(object.id);
      observations.push(this.observe('vanished', object, timeMs));
    });
    seen.forEach(({ box, assignment }, di) => {
      if (matchedD.has(di)) return;
      const object: TrackedObject = {
        id: `${this.cameraId}#${this.nextId++}`,
        ...assignment,
        box: plain(box),
        score: box.score,
        sinceMs: timeMs,
      };
      this.objects.set(object.id, object);
      observations.push(this.observe('appeared', object, timeMs));
    });
    return { observations, held };
  }

  private observe(kind: CameraObservation['kind'], object: TrackedObject, timeMs: number): CameraObservation {
    return {
      kind,
      cameraId: this.cameraId,
      objectId: object.id,
      slotId: object.primary,
      slots: object.slots,
      box: object.box,
      confidence: Math.round(object.score * object.confidence * 1000) / 1000,
      timeMs,
    };
  }
}

const plain = (b: BoxLike): BoxLike => ({ x: b.x, y: b.y, width: b.width, height: b.height });

/** Whether a box (a person) hides a slot: it covers a tenth of the slot polygon's bounding box. */
export function coversSlot(box: BoxLike, polygon: readonly (readonly [number, number])[]): boolean {
  const xs = polygon.map((p) => p[0]);
  const ys = polygon.map((p) => p[1]);
  const w = Math.min(box.x + box.width, Math.max(...xs)) - Math.max(box.x, Math.min(...xs));
  const h = Math.min(box.y + box.height, Math.max(...ys)) - Math.max(box.y, Math.min(...ys));
  if (w <= 0 || h <= 0) return false;
  // A tenth of the slot's picture covered is enough to hide a small package.
  return w * h > 0.1 * (Math.max(...xs) - Math.min(...xs)) * (Math.max(...ys) - Math.min(...ys));
}
