import {
  aimAngles,
  listSlots,
  type RoomLayout,
  type Slot,
  unitFrame,
  unitPoint,
} from '../../calibration/index.ts';
import type {
  PackageAppearance,
  PackagePose,
  SceneLighting,
  ScenePackage,
  ScenePerson,
  SceneState,
} from '../scene.ts';
import { seededRandom } from '../seeded-random.ts';
import { randomAppearance } from './package-appearance.ts';
import type { Scenario } from './scenario-schema.ts';

/** Which packages are in which slot: the ground truth the pipelines are judged against. */
export interface SlotTruth {
  /** Every slot id of the room, with the packages resting in it (a straddling package is in both). */
  slots: Record<string, string[]>;
  packages: Record<string, { slots: string[]; primarySlot: string; registered: boolean; stackedOn?: string }>;
}

export interface Timeline {
  scenario: Scenario;
  layout: RoomLayout;
  durationMs: number;
  sceneAt(timeMs: number): SceneState;
  truthAt(timeMs: number): SlotTruth;
}

/** A scenario that does not make sense for its layout; `issues` lists every problem. */
export class ScenarioError extends Error {
  override readonly name = 'ScenarioError';
  constructor(
    readonly source: string,
    readonly issues: Array<{ path: string; message: string }>,
  ) {
    super(
      `${source}: scenario has ${issues.length} error${issues.length === 1 ? '' : 's'}\n${issues.map((i) => `  ${source}: ${i.path}: ${i.message}`).join('\n')}`,
    );
  }
}

interface PackageRecord {
  appearance: PackageAppearance;
  pose: PackagePose;
  registered: boolean;
}

interface Walk {
  from: { x: number; y: number };
  to: { x: number; y: number };
  startMs: number;
  endMs: number;
}

interface PersonRecord {
  clothing: string;
  walk: Walk;
  leaving: boolean;
}

const walkMs = 1500;
const armHeightCm = 135;
const standOffCm = 55;

/**
 * Compiles a scenario against a layout: checks every reference (slots, packages, people, zones,
 * cameras) up front, then answers "what does the room look like at t" by replaying the events.
 */
export function compileScenario(scenario: Scenario, layout: RoomLayout, source = scenario.name): Timeline {
  const slots = listSlots(layout);
  const slotById = new Map(slots.map((s) => [s.id, s]));
  const unitById = new Map(layout.units.map((u) => [u.id, u]));
  const door = { x: layout.room.sizeCm.x / 2, y: 15 };
  const random = seededRandom(scenario.seed);
  const issues: Array<{ path: string; message: string }> = [];

  const standPoint = (unitId: string) => {
    const unit = unitById.get(unitId)!;
    const p = unitPoint(unitFrame(unit), unit.widthCm / 2, -standOffCm, 0);
    return { x: p.x, y: p.y };
  };

  /** Resolves a target (slot, between, onTopOf) into a pose; undefined after reporting a problem. */
  const poseFor = (
    path: string,
    spec: {
      slot?: string | undefined;
      between?: [string, string] | undefined;
      onTopOf?: string | undefined;
      offsetCm?: number | undefined;
      backCm?: number | undefined;
      yawDeg?: number | undefined;
      leanDeg?: number | undefined;
    },
    appearance: PackageAppearance,
    present: Map<string, PackageRecord>,
    jitter: ReturnType<typeof seededRandom>,
  ): PackagePose | undefined => {
    let unitId: string;
    let levelNumber: number;
    let acrossCm: number;
    let stackedOn: string | undefined;
    if (spec.slot) {
      const slot = slotById.get(spec.slot);
      if (!slot)
        return void issues.push({ path: `${path}.slot`, message: `no slot ${spec.slot} in the layout` });
      unitId = slot.unitId;
      levelNumber = slot.levelNumber;
      acrossCm = slot.offsetCm + slot.widthCm / 2;
    } else if (spec.between) {
      const [a, b] = spec.between.map((id) => slotById.get(id));
      if (!a || !b)
        return void issues.push({
          path: `${path}.between`,
          message: `no slot ${a ? spec.between[1] : spec.between[0]} in the layout`,
        });
      if (
        a.unitId !== b.unitId ||
        a.levelNumber !== b.levelNumber ||
        Math.abs(a.slotIndex - b.slotIndex) !== 1
      ) {
        return void issues.push({
          path: `${path}.between`,
          message: `${a.id} and ${b.id} are not neighbours on one level`,
        });
      }
      const [left, right] = a.slotIndex < b.slotIndex ? [a, b] : [b, a];
      unitId = a.unitId;
      levelNumber = a.levelNumber;
      acrossCm = (left.offsetCm + left.widthCm + right.offsetCm) / 2;
    } else {
      const base = present.get(spec.onTopOf!);
      if (!base)
        return void issues.push({
          path: `${path}.onTopOf`,
          message: `package ${spec.onTopOf} is not on a shelf at that moment`,
        });
      unitId = base.pose.unitId;
      levelNumber = base.pose.levelNumber;
      acrossCm = base.pose.acrossCm;
      stackedOn = spec.onTopOf;
    }
    const unit = unitById.get(unitId)!;
    const flat = appearance.kind === 'letter' || appearance.kind === 'padded-envelope';
    return {
      unitId,
      levelNumber,
      acrossCm: Math.min(
        unit.widthCm - appearance.sizeCm.across / 2,
        Math.max(appearance.sizeCm.across / 2, acrossCm + (spec.offsetCm ?? 0)),
      ),
      backCm:
        spec.backCm ??
        Math.round(
          jitter.between(1, Math.max(1.5, Math.min(8, unit.depthCm - appearance.sizeCm.depth - 1))) * 10,
        ) / 10,
      yawDeg: spec.yawDeg ?? Math.round(jitter.between(-7, 7)),
      leanDeg: spec.leanDeg ?? (flat ? Math.round(jitter.between(8, 16)) : 0),
      ...(stackedOn ? { stackedOn } : {}),
    };
  };

  /** The look of a package: what the scenario says, the rest random from its id, fitted to the shelf. */
  const appearanceFor = (
    id: string,
    spec: {
      kind?: PackageAppearance['kind'] | undefined;
      sizeCm?: PackageAppearance['sizeCm'] | undefined;
      colour?: string | undefined;
      slot?: string | undefined;
      between?: unknown;
      onTopOf?: string | undefined;
    },
    present: Map<string, PackageRecord>,
  ): PackageAppearance => {
    const refSlot = spec.slot ? slotById.get(spec.slot) : undefined;
    const base = spec.onTopOf ? present.get(spec.onTopOf) : undefined;
    const clearance = refSlot?.heightCm ?? slots[0]!.heightCm;
    const maxHeight = base ? Math.max(3, clearance - base.appearance.sizeCm.height - 2) : clearance - 2;
    const maxAcross = spec.between ? 40 : (refSlot?.widthCm ?? 28) - 1.5;
    const look = randomAppearance(random.fork(`package:${id}`), spec.kind, {
      across: maxAcross,
      depth: (layout.units[0]?.depthCm ?? 40) - 3,
      height: maxHeight,
    });
    return {
      ...look,
      ...(spec.sizeCm ? { sizeCm: spec.sizeCm } : {}),
      ...(spec.colour ? { colour: spec.colour } : {}),
    };
  };

  // Static pass: resolve appearances and poses once, and check the story is possible.
  const initial = new Map<string, PackageRecord>();
  scenario.initial.packages.forEach((spec, i) => {
    const path = `initial.packages[${i}]`;
    if (initial.has(spec.id)) {
      issues.push({ path: `${path}.id`, message: `package ${spec.id} is listed twice` });
      return;
    }
    const appearance = appearanceFor(spec.id, spec, initial);
    const pose = poseFor(path, spec, appearance, initial, random.fork(`pose:${spec.id}`));
    if (pose) initial.set(spec.id, { appearance, pose, registered: spec.registered });
  });

  const resolvedPoses = new Map<number, PackagePose>();
  const resolvedLooks = new Map<number, PackageAppearance>();
  const resolvedLaser = new Map<number, { panDeg: number; tiltDeg: number }>();
  {
    const present = new Map(initial);
    const people = new Set<string>();
    const zones = new Set(layout.strobeZones.map((z) => z.id));
    const cameras = new Set(layout.cameras.map((c) => c.id));
    let previousAt = 0;
    scenario.events.forEach((event, i) => {
      const path = `events[${i}]`;
      if (event.at < previousAt)
        issues.push({
          path: `${path}.at`,
          message: `events must be in time order (${event.at} s comes after ${previousAt} s)`,
        });
      previousAt = Math.max(previousAt, event.at);
      if (event.at > scenario.durationS)
        issues.push({
          path: `${path}.at`,
          message: `${event.at} s is after the scenario ends (${scenario.durationS} s)`,
        });
      const needsPerson = 'person' in event && event.do !== 'arrive' && event.do !== 'session';
      if (needsPerson && !people.has(event.person))
        issues.push({
          path: `${path}.person`,
          message: `${event.person} is not in the room at ${event.at} s (add an arrive event first)`,
        });
      switch (event.do) {
        case 'arrive':
          if (!unitById.has(event.unit))
            issues.push({ path: `${path}.unit`, message: `no unit ${event.unit} in the layout` });
          if (people.has(event.person))
            issues.push({ path: `${path}.person`, message: `${event.person} is already in the room` });
          people.add(event.person);
          break;
        case 'walk':
          if (!unitById.has(event.unit))
            issues.push({ path: `${path}.unit`, message: `no unit ${event.unit} in the layout` });
          break;
        case 'leave':
          people.delete(event.person);
          break;
        case 'place': {
          if (present.has(event.package)) {
            issues.push({
              path: `${path}.package`,
              message: `package ${event.package} is already on a shelf`,
            });
            break;
          }
          const appearance = appearanceFor(event.package, event, present);
          const pose = poseFor(path, event, appearance, present, random.fork(`pose:${event.package}:${i}`));
          if (!pose) break;
          resolvedLooks.set(i, appearance);
          resolvedPoses.set(i, pose);
          present.set(event.package, { appearance, pose, registered: event.registered });
          break;
        }
        case 'take':
          if (!present.delete(event.package))
            issues.push({
              path: `${path}.package`,
              message: `package ${event.package} is not on a shelf at ${event.at} s`,
            });
          break;
        case 'move': {
          const record = present.get(event.package);
          if (!record) {
            issues.push({
              path: `${path}.package`,
              message: `package ${event.package} is not on a shelf at ${event.at} s`,
            });
            break;
          }
          present.delete(event.package);
          const pose = poseFor(
            path,
            event,
            record.appearance,
            present,
            random.fork(`pose:${event.package}:${i}`),
          );
          if (!pose) break;
          resolvedPoses.set(i, pose);
          present.set(event.package, { ...record, pose });
          break;
        }
        case 'camera-offline':
        case 'camera-online':
          if (!cameras.has(event.camera))
            issues.push({ path: `${path}.camera`, message: `no camera ${event.camera} in the layout` });
          break;
        case 'strobe':
          if (!zones.has(event.zone))
            issues.push({ path: `${path}.zone`, message: `no strobe zone ${event.zone} in the layout` });
          break;
        case 'laser': {
          if (!event.on) break;
          if (!layout.locator) {
            issues.push({ path, message: 'the layout has no locator' });
            break;
          }
          if (event.slot) {
            const slot = slotById.get(event.slot);
            if (!slot) issues.push({ path: `${path}.slot`, message: `no slot ${event.slot} in the layout` });
            else resolvedLaser.set(i, aimAngles(layout.locator.mount.positionCm, slot.aimPoint));
          } else if (event.panDeg !== undefined && event.tiltDeg !== undefined) {
            resolvedLaser.set(i, { panDeg: event.panDeg, tiltDeg: event.tiltDeg });
          } else {
            issues.push({ path, message: 'aim the laser with slot, or with panDeg and tiltDeg' });
          }
          break;
        }
        default:
          break;
      }
    });
  }
  if (issues.length > 0) throw new ScenarioError(source, issues);

  const clothingFor = (person: string, given?: string) =>
    given ??
    seededRandom(scenario.seed)
      .fork(`clothing:${person}`)
      .pick(['#34495e', '#7f8c8d', '#8e44ad', '#c0392b', '#16a085', '#d35400', '#2c3e50', '#6d4c41']);
  const [hours, minutes] = scenario.startsAt.split(':').map(Number) as [number, number];

  const sceneAt = (timeMs: number): SceneState => {
    const t = Math.max(0, timeMs);
    const packages = new Map(initial);
    const people = new Map<string, PersonRecord>();
    const reaching = new Map<string, { x: number; y: number; z: number }>();
    let light = { from: 1, to: 1, startMs: 0, endMs: 0 };
    const offline = new Set<string>();
    let laser = { on: false, panDeg: 0, tiltDeg: 0 };
    const strobes = new Set<string>();

    const positionOf = (person: PersonRecord, at: number) => {
      const { from, to, startMs, endMs } = person.walk;
      const k = endMs <= startMs ? 1 : Math.min(1, Math.max(0, (at - startMs) / (endMs - startMs)));
      return { x: from.x + (to.x - from.x) * k, y: from.y + (to.y - from.y) * k };
    };
    const targetPoint = (pose: PackagePose, look: PackageAppearance) => {
      const unit = unitById.get(pose.unitId)!;
      const board = unit.levels[pose.levelNumber - 1]!.heightCm;
      const base = pose.stackedOn ? (packages.get(pose.stackedOn)?.appearance.sizeCm.height ?? 0) : 0;
      return unitPoint(unitFrame(unit), pose.acrossCm, pose.backCm, board + base + look.sizeCm.height / 2);
    };
    /** The hand moves out for 40 % of the action, stays, and comes back over the last 40 %. */
    const reach = (
      person: string,
      startMs: number,
      durationMs: number,
      target: { x: number; y: number; z: number },
    ) => {
      const record = people.get(person);
      if (!record || t < startMs || t > startMs + durationMs) return;
      const k = (t - startMs) / durationMs;
      const extension = k < 0.4 ? k / 0.4 : k > 0.6 ? (1 - k) / 0.4 : 1;
      const standing = positionOf(record, t);
      const shoulder = { x: standing.x, y: standing.y, z: armHeightCm };
      reaching.set(person, {
        x: shoulder.x + (target.x - shoulder.x) * extension,
        y: shoulder.y + (target.y - shoulder.y) * extension,
        z: shoulder.z + (target.z - shoulder.z) * extension,
      });
    };

    scenario.events.forEach((event, i) => {
      const startMs = event.at * 1000;
      if (startMs > t) return;
      switch (event.do) {
        case 'arrive':
          people.set(event.person, {
            clothing: clothingFor(event.person, event.clothing),
            walk: { from: door, to: standPoint(event.unit), startMs, endMs: startMs + walkMs },
            leaving: false,
          });
          break;
        case 'walk': {
          const record = people.get(event.person)!;
          record.walk = {
            from: positionOf(record, startMs),
            to: standPoint(event.unit),
            startMs,
            endMs: startMs + walkMs,
          };
          break;
        }
        case 'leave': {
          const record = people.get(event.person)!;
          if (t >= startMs + walkMs) people.delete(event.person);
          else
            record.walk = { from: positionOf(record, startMs), to: door, startMs, endMs: startMs + walkMs };
          break;
        }
        case 'place': {
          const durationMs = event.durationS * 1000;
          const look = resolvedLooks.get(i)!;
          const pose = resolvedPoses.get(i)!;
          if (t >= startMs + durationMs / 2)
            packages.set(event.package, { appearance: look, pose, registered: event.registered });
          reach(event.person, startMs, durationMs, targetPoint(pose, look));
          break;
        }
        case 'take': {
          const durationMs = event.durationS * 1000;
          const record = packages.get(event.package);
          if (record) reach(event.person, startMs, durationMs, targetPoint(record.pose, record.appearance));
          if (t >= startMs + durationMs / 2) packages.delete(event.package);
          break;
        }
        case 'move': {
          const durationMs = event.durationS * 1000;
          const record = packages.get(event.package);
          if (!record) break;
          const pose = resolvedPoses.get(i)!;
          const k = (t - startMs) / durationMs;
          reach(
            event.person,
            startMs,
            durationMs,
            targetPoint(k < 0.5 ? record.pose : pose, record.appearance),
          );
          if (k >= 0.7) packages.set(event.package, { ...record, pose });
          else if (k >= 0.3) packages.delete(event.package);
          break;
        }
        case 'lights': {
          const current = lightAt(light, startMs);
          light = { from: current, to: event.brightness, startMs, endMs: startMs + event.rampS * 1000 };
          break;
        }
        case 'camera-offline':
          offline.add(event.camera);
          break;
        case 'camera-online':
          offline.delete(event.camera);
          break;
        case 'laser':
          laser = event.on ? { on: true, ...resolvedLaser.get(i)! } : { ...laser, on: false };
          break;
        case 'strobe':
          if (event.on) strobes.add(event.zone);
          else strobes.delete(event.zone);
          break;
        default:
          break;
      }
    });

    const scenePackages: ScenePackage[] = [...packages].map(([id, r]) => ({
      id,
      appearance: r.appearance,
      pose: r.pose,
    }));
    const scenePeople: ScenePerson[] = [...people].map(([id, r]) => {
      const at = positionOf(r, t);
      const hand = reaching.get(id);
      return { id, standingAtCm: at, clothing: r.clothing, ...(hand ? { reachingForCm: hand } : {}) };
    });
    return {
      timeMs: t,
      packages: scenePackages,
      people: scenePeople,
      lighting: daylight(hours * 60 + minutes + t / 60_000, lightAt(light, t)),
      locator: { laser, strobesOn: [...strobes] },
      camerasOffline: [...offline],
    };
  };

  const truthAt = (timeMs: number): SlotTruth =>
    truthOf(sceneAt(timeMs), slots, (id) => {
      const fromInitial = initial.get(id)?.registered;
      if (fromInitial !== undefined) return fromInitial;
      const placing = scenario.events.find((e) => e.do === 'place' && e.package === id);
      return placing?.do === 'place' ? placing.registered : true;
    });

  return { scenario, layout, durationMs: scenario.durationS * 1000, sceneAt, truthAt };
}

function lightAt(light: { from: number; to: number; startMs: number; endMs: number }, t: number): number {
  if (t >= light.endMs) return light.to;
  if (t <= light.startMs) return light.from;
  return light.from + ((light.to - light.from) * (t - light.startMs)) / (light.endMs - light.startMs);
}

/** Room light over a day: a little brighter and colder around noon, warmer in the evening. */
function daylight(minuteOfDay: number, switched: number): SceneLighting {
  const hour = (minuteOfDay / 60) % 24;
  const sun = Math.max(0, Math.sin(((hour - 6) / 12) * Math.PI));
  return {
    brightness: Math.round(switched * (0.9 + 0.15 * sun) * 1000) / 1000,
    warmth: Math.round((hour >= 16 || hour < 8 ? 0.35 : -0.2 * sun) * 100) / 100,
  };
}

/** The slots a package rests in: those its bottom overlaps on its level; the primary holds its centre. */
export function truthOf(scene: SceneState, slots: Slot[], registered: (id: string) => boolean): SlotTruth {
  const truth: SlotTruth = {
    slots: Object.fromEntries(slots.map((s) => [s.id, [] as string[]])),
    packages: {},
  };
  for (const pkg of scene.packages) {
    const { pose, appearance } = pkg;
    const left = pose.acrossCm - appearance.sizeCm.across / 2;
    const right = pose.acrossCm + appearance.sizeCm.across / 2;
    const onLevel = slots.filter((s) => s.unitId === pose.unitId && s.levelNumber === pose.levelNumber);
    // Touching a neighbour by a centimetre is not resting in it.
    const covered = onLevel.filter(
      (s) => Math.min(right, s.offsetCm + s.widthCm) - Math.max(left, s.offsetCm) > 2,
    );
    const primary =
      onLevel.find((s) => pose.acrossCm >= s.offsetCm && pose.acrossCm <= s.offsetCm + s.widthCm) ??
      onLevel.reduce((best, s) =>
        Math.abs(s.offsetCm + s.widthCm / 2 - pose.acrossCm) <
        Math.abs(best.offsetCm + best.widthCm / 2 - pose.acrossCm)
          ? s
          : best,
      );
    const inSlots = covered.length > 0 ? covered.map((s) => s.id) : [primary.id];
    for (const id of inSlots) truth.slots[id]!.push(pkg.id);
    truth.packages[pkg.id] = {
      slots: inSlots,
      primarySlot: primary.id,
      registered: registered(pkg.id),
      ...(pose.stackedOn ? { stackedOn: pose.stackedOn } : {}),
    };
  }
  return truth;
}
