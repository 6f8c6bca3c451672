import { listSlots, type RoomLayout, type Slot, unitFrame, unitPoint } from '../calibration/index.ts';
import { randomAppearance } from './scenarios/package-appearance.ts';
import type {
  PackageAppearance,
  PackageKind,
  PackagePose,
  ScenePackage,
  ScenePerson,
  SceneState,
} from './scene.ts';
import { seededRandom } from './seeded-random.ts';

/** How long a live action takes: a person walks in, reaches into the slot, walks out. */
export interface LiveTiming {
  walkMs: number;
  reachMs: number;
}

export const defaultLiveTiming: LiveTiming = { walkMs: 1500, reachMs: 2000 };

/** What a live command set in motion, and when each part of it happens (room clock, ms). */
export interface LiveActionReceipt {
  action: 'place' | 'take';
  slotId: string;
  packageId: string;
  personId: string;
  startMs: number;
  /** The package is on the shelf (place) or gone (take) from this moment: the truth changes here. */
  changesAtMs: number;
  /** The person has left the room again: the shelf is still from here on. */
  doneAtMs: number;
}

export interface PlaceOptions {
  /** An id of your choosing; `live-N` when absent. */
  packageId?: string | undefined;
  kind?: PackageKind | undefined;
  /** Whether the courier registered it at the kiosk (ground truth only; the room does not know). */
  registered?: boolean | undefined;
  /**
   * Already on the shelf at `nowMs`, with nobody bringing it: a room set up as it was before
   * the simulator started (the demo mirrors the shelves the database records).
   */
  alreadyThere?: boolean | undefined;
}

/** A live command the room cannot carry out; `code` says which rule it broke. */
export class LiveCommandError extends Error {
  override readonly name = 'LiveCommandError';
  constructor(
    readonly code: 'unknown_slot' | 'slot_occupied' | 'slot_empty' | 'slot_busy' | 'duplicate_package',
    message: string,
  ) {
    super(message);
  }
}

interface LivePackage {
  id: string;
  slotId: string;
  appearance: PackageAppearance;
  pose: PackagePose;
  registered: boolean;
  appearsAtMs: number;
  goneAtMs?: number;
}

interface LivePerson {
  id: string;
  clothing: string;
  startMs: number;
  standCm: { x: number; y: number };
  targetCm: { x: number; y: number; z: number };
}

const armHeightCm = 135;
const standOffCm = 55;
const clothing = ['#34495e', '#7f8c8d', '#8e44ad', '#c0392b', '#16a085', '#d35400', '#2c3e50', '#6d4c41'];

/**
 * The room as people act in it live: a courier placing a package on a slot, a resident taking one.
 * Each command becomes a short story (walk in, reach, walk out) laid over whatever the scenario
 * shows, so the camera pipeline sees the same kind of motion and settle as with a scripted scene.
 */
export class LiveScene {
  private readonly slots: Slot[];
  private readonly slotById: Map<string, Slot>;
  private readonly packages: LivePackage[] = [];
  private readonly people: LivePerson[] = [];
  private readonly door: { x: number; y: number };
  private counter = 0;

  constructor(
    readonly layout: RoomLayout,
    private readonly seed = 1,
    readonly timing: LiveTiming = defaultLiveTiming,
  ) {
    this.slots = listSlots(layout);
    this.slotById = new Map(this.slots.map((s) => [s.id, s]));
    this.door = { x: layout.room.sizeCm.x / 2, y: 15 };
  }

  get actionMs(): number {
    return 2 * this.timing.walkMs + this.timing.reachMs;
  }

  /** Live packages on a shelf at `timeMs`, or on their way there, keyed by slot. */
  occupiedSlots(timeMs: number): Map<string, string> {
    const taken = new Map<string, string>();
    for (const p of this.packages)
      if (p.goneAtMs === undefined || p.goneAtMs > timeMs) taken.set(p.slotId, p.id);
    return taken;
  }

  /**
   * Starts a courier placing a new package on `slotId` at `nowMs`. `busyElsewhere` lists slots the
   * scripted story fills, so that a live package never lands on a scripted one.
   */
  place(
    slotId: string,
    nowMs: number,
    options: PlaceOptions = {},
    busyElsewhere: ReadonlySet<string> = new Set(),
  ): LiveActionReceipt {
    const slot = this.slotById.get(slotId);
    if (!slot) throw new LiveCommandError('unknown_slot', `no slot ${slotId} in this room`);
    const holder = this.occupiedSlots(nowMs).get(slotId);
    if (holder || busyElsewhere.has(slotId))
      throw new LiveCommandError(
        'slot_occupied',
        `slot ${slotId} already holds package ${holder ?? '(scripted)'}; take it first or choose a free slot`,
      );
    const id = options.packageId ?? `live-${++this.counter}`;
    if (this.packages.some((p) => p.id === id && p.goneAtMs === undefined))
      throw new LiveCommandError('duplicate_package', `package ${id} is already on a shelf`);

    const random = seededRandom(this.seed).fork(`live:${id}:${this.counter}`);
    const unit = this.layout.units.find((u) => u.id === slot.unitId)!;
    const appearance = randomAppearance(random.fork('look'), options.kind, {
      across: slot.widthCm - 3,
      depth: unit.depthCm - 3,
      height: slot.heightCm - 3,
    });
    const flat = appearance.kind === 'letter' || appearance.kind === 'padded-envelope';
    const pose: PackagePose = {
      unitId: slot.unitId,
      levelNumber: slot.levelNumber,
      // Near the slot's middle, as a courier puts it down, never reaching into a neighbour.
      acrossCm:
        slot.offsetCm +
        slot.widthCm / 2 +
        random.between(-1, 1) * Math.max(0, (slot.widthCm - appearance.sizeCm.across) / 2 - 1.5),
      backCm:
        Math.round(
          random.between(1, Math.max(1.5, Math.min(6, unit.depthCm - appearance.sizeCm.depth - 1))) * 10,
        ) / 10,
      yawDeg: Math.round(random.between(-6, 6)),
      leanDeg: flat ? Math.round(random.between(8, 16)) : 0,
    };
    const receipt: LiveActionReceipt = options.alreadyThere
      ? {
          action: 'place',
          slotId,
          packageId: id,
          personId: '',
          startMs: nowMs,
          changesAtMs: nowMs,
          doneAtMs: nowMs,
        }
      : this.startPerson('place', slot, id, nowMs, this.reachTarget(pose, appearance), random);
    this.packages.push({
      id,
      slotId,
      appearance,
      pose,
      registered: options.registered ?? true,
      appearsAtMs: receipt.changesAtMs,
    });
    return receipt;
  }

  /** Starts a resident taking the package on `slotId` at `nowMs`. */
  take(slotId: string, nowMs: number): LiveActionReceipt {
    const slot = this.slotById.get(slotId);
    if (!slot) throw new LiveCommandError('unknown_slot', `no slot ${slotId} in this room`);
    const pkg = this.packages.find((p) => p.slotId === slotId && p.goneAtMs === undefined);
    if (!pkg) throw new LiveCommandError('slot_empty', `slot ${slotId} holds no live package`);
    if (pkg.appearsAtMs > nowMs)
      throw new LiveCommandError(
        'slot_busy',
        `package ${pkg.id} is still being placed on ${slotId}; try again in a moment`,
      );
    const random = seededRandom(this.seed).fork(`take:${pkg.id}`);
    const receipt = this.startPerson(
      'take',
      slot,
      pkg.id,
      nowMs,
      this.reachTarget(pkg.pose, pkg.appearance),
      random,
    );
    pkg.goneAtMs = receipt.changesAtMs;
    return receipt;
  }

  /** The scene with the live packages and people of `timeMs` (room clock) added. */
  apply(scene: SceneState, timeMs: number): SceneState {
    const packages: ScenePackage[] = this.packages
      .filter((p) => p.appearsAtMs <= timeMs && (p.goneAtMs === undefined || p.goneAtMs > timeMs))
      .map((p) => ({ id: p.id, appearance: p.appearance, pose: p.pose }));
    const people: ScenePerson[] = [];
    for (const person of this.people) {
      const shown = this.personAt(person, timeMs);
      if (shown) people.push(shown);
    }
    // Finished walks are history: forget them so a long demo does not grow without end.
    while (this.people.length > 0 && this.people[0]!.startMs + this.actionMs < timeMs - 60_000)
      this.people.shift();
    if (packages.length === 0 && people.length === 0) return scene;
    return { ...scene, packages: [...scene.packages, ...packages], people: [...scene.people, ...people] };
  }

  /** Live packages only, for ground truth: id → registered. */
  livePackageIds(timeMs: number): Map<string, boolean> {
    return new Map(
      this.packages
        .filter((p) => p.appearsAtMs <= timeMs && (p.goneAtMs === undefined || p.goneAtMs > timeMs))
        .map((p) => [p.id, p.registered]),
    );
  }

  private reachTarget(pose: PackagePose, look: PackageAppearance) {
    const unit = this.layout.units.find((u) => u.id === pose.unitId)!;
    const board = unit.levels[pose.levelNumber - 1]!.heightCm;
    return unitPoint(unitFrame(unit), pose.acrossCm, pose.backCm, board + look.sizeCm.height / 2);
  }

  private startPerson(
    action: 'place' | 'take',
    slot: Slot,
    packageId: string,
    nowMs: number,
    targetCm: { x: number; y: number; z: number },
    random: ReturnType<typeof seededRandom>,
  ): LiveActionReceipt {
    const unit = this.layout.units.find((u) => u.id === slot.unitId)!;
    const stand = unitPoint(unitFrame(unit), slot.offsetCm + slot.widthCm / 2, -standOffCm, 0);
    const personId = `${action === 'place' ? 'courier' : 'resident'}-${packageId}`;
    this.people.push({
      id: personId,
      clothing: random.pick(clothing),
      startMs: nowMs,
      standCm: { x: stand.x, y: stand.y },
      targetCm,
    });
    const { walkMs, reachMs } = this.timing;
    return {
      action,
      slotId: slot.id,
      packageId,
      personId,
      startMs: nowMs,
      changesAtMs: nowMs + walkMs + reachMs / 2,
      doneAtMs: nowMs + this.actionMs,
    };
  }

  private personAt(person: LivePerson, timeMs: number): ScenePerson | undefined {
    const { walkMs, reachMs } = this.timing;
    const t = timeMs - person.startMs;
    if (t < 0 || t > this.actionMs) return undefined;
    const lerp = (a: { x: number; y: number }, b: { x: number; y: number }, k: number) => ({
      x: a.x + (b.x - a.x) * k,
      y: a.y + (b.y - a.y) * k,
    });
    if (t < walkMs)
      return {
        id: person.id,
        clothing: person.clothing,
        standingAtCm: lerp(this.door, person.standCm, t / walkMs),
      };
    if (t > walkMs + reachMs)
      return {
        id: person.id,
        clothing: person.clothing,
        standingAtCm: lerp(person.standCm, this.door, (t - walkMs - reachMs) / walkMs),
      };
    // The hand goes out over 40 % of the reach, stays, and comes back over the last 40 %.
    const k = (t - walkMs) / reachMs;
    const extension = k < 0.4 ? k / 0.4 : k > 0.6 ? (1 - k) / 0.4 : 1;
    const shoulder = { x: person.standCm.x, y: person.standCm.y, z: armHeightCm };
    return {
      id: person.id,
      clothing: person.clothing,
      standingAtCm: person.standCm,
      reachingForCm: {
        x: shoulder.x + (person.targetCm.x - shoulder.x) * extension,
        y: shoulder.y + (person.targetCm.y - shoulder.y) * extension,
        z: shoulder.z + (person.targetCm.z - shoulder.z) * extension,
      },
    };
  }
}
