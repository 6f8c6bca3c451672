import type { Logger } from 'pino';
import { add, dot, length, normalize, scale, sub, type Vec3 } from '../geometry/vector.ts';
import type { Locator, RoomLayout } from '../layout-schema.ts';
import { levelIdOf, listSlots, type Slot } from '../room-model.ts';
import { LocatorCalibrationError } from './calibration-errors.ts';
import {
  type CameraRay,
  levelAt,
  type MeasuringCamera,
  measuringCamera,
  triangulate,
} from './camera-rays.ts';
import { type DotSearch, findLaserDot, type RgbFrame } from './dot-finder.ts';
import type { LocatorRig } from './locator-rig.ts';
import {
  aimModel,
  type BeamObservation,
  fitMountModel,
  type MountModel,
  median,
  nominalMountModel,
} from './mount-model.ts';
import { type Aim, coarseGrid, withinRanges } from './sweep-plan.ts';

export type LocatorCalibration = NonNullable<Locator['calibration']>;

export interface LocatorCalibrationOptions {
  layout: RoomLayout;
  rig: LocatorRig;
  /** Coarse sweep of gridSize × gridSize angles (default 8, at least 3). */
  gridSize?: number;
  /** Calibrate only these slots (default: every slot); their units bound the sweep. */
  slotIds?: readonly string[];
  /** A slot whose verified dot lands farther than this from its centre is reported (default 2 cm). */
  toleranceCm?: number;
  onProgress?: (progress: CalibrationProgress) => void;
  /** Each stage's outcome at info, each shot at debug. */
  logger?: Logger;
  now?: () => Date;
}

export interface CalibrationProgress {
  stage: 'coarse' | 'refine' | 'verify';
  done: number;
  total: number;
}

/** One slot's result: the angles to aim at it and how close the verification dot landed. */
export interface SlotResidual {
  slotId: string;
  levelId: string;
  panDeg: number;
  tiltDeg: number;
  /** Median over the cameras that placed the dot, of its distance to the intended beam's image, px. */
  residualPx?: number;
  /** The measured dot's distance from the slot's centre in the room, cm. */
  residualCm?: number;
  /** The cameras whose dots placed the verification spot. */
  seenBy: string[];
  /** Why the slot could not be verified or missed the tolerance. */
  problem?: string;
  /** Verification shots taken when the first one missed or found nothing (the median counts). */
  shots?: number;
}

export interface LevelTrim {
  panDeg: number;
  tiltDeg: number;
  samples: number;
}

export interface LocatorCalibrationResult {
  calibration: LocatorCalibration;
  model: MountModel;
  levelTrims: Record<string, LevelTrim>;
  slots: SlotResidual[];
  summary: {
    samples: number;
    /** Samples triangulated by two or more cameras that agree, and used by the fit. */
    samplesUsed: number;
    outliers: number;
    fitMedianCm: number;
    medianPx: number;
    maxPx: number;
    medianCm: number;
    maxCm: number;
    toleranceCm: number;
    slotsWithinTolerance: number;
    slotsVerified: number;
  };
  /** Things an operator should know that did not stop the calibration. */
  notes: string[];
}

/** Cameras agreeing to within this much (cm) make a triangulated spot. */
const maxSpreadCm = 1.5;

interface Sample {
  aim: Aim;
  searches: Map<string, DotSearch>;
  /** Dots in layout pixels, per camera that found one. */
  dotsPx: Map<string, { x: number; y: number }>;
  rays: CameraRay[];
  spot?: { pointCm: Vec3; spreadCm: number; cameras: string[] };
}

/**
 * Calibrates the locator: a coarse sweep, a first mount fit, a refining pass aimed at every
 * slot, the final fit with a trim per shelf level, then one verification shot per slot.
 * Everything the rig is asked is in this function; the geometry and fitting are pure modules.
 */
export async function calibrateLocator(
  options: LocatorCalibrationOptions,
): Promise<LocatorCalibrationResult> {
  const { layout, rig } = options;
  const log = options.logger;
  const declared = layout.locator;
  if (!declared)
    throw new LocatorCalibrationError(
      'the layout has no locator; add a `locator:` section (id, kind, mount) before calibrating it',
    );
  const locator: Locator = declared;
  const gridSize = options.gridSize ?? 8;
  if (!Number.isInteger(gridSize) || gridSize < 3 || gridSize > 40)
    throw new LocatorCalibrationError(`the grid size must be a whole number from 3 to 40, got ${gridSize}`);
  const toleranceCm = options.toleranceCm ?? 2;
  const notes: string[] = [];

  const cameras: MeasuringCamera[] = [];
  for (const view of layout.cameras) {
    const camera = measuringCamera(view);
    if (camera) cameras.push(camera);
    else notes.push(`camera ${view.id} has no pose in the layout, so it cannot measure the dot; not used`);
  }
  if (cameras.length < 2)
    throw new LocatorCalibrationError(
      `the locator calibration triangulates the dot and needs at least two cameras with a pose in the layout, this one has ${cameras.length}`,
    );

  const allSlots = listSlots(layout);
  const known = new Set(allSlots.map((s) => s.id));
  const unknown = (options.slotIds ?? []).filter((id) => !known.has(id));
  if (unknown.length > 0) throw new LocatorCalibrationError(`no slot ${unknown.join(', ')} in this layout`);
  const slots = options.slotIds ? allSlots.filter((s) => options.slotIds!.includes(s.id)) : allSlots;
  if (slots.length === 0) throw new LocatorCalibrationError('no slots to calibrate');

  // Every camera must answer before the laser moves: a dead URL is an error, not a blind spot.
  for (const camera of cameras) {
    let frame: RgbFrame;
    try {
      frame = await rig.grab(camera.id);
    } catch (error) {
      throw new LocatorCalibrationError(
        `camera ${camera.id} gives no frame through ${rig.description}: ${(error as Error).message}`,
      );
    }
    const expected = camera.view.resolution.width / camera.view.resolution.height;
    if (Math.abs(frame.width / frame.height - expected) > 0.02)
      throw new LocatorCalibrationError(
        `camera ${camera.id} sends ${frame.width}×${frame.height} frames, not the ${camera.view.resolution.width}×${camera.view.resolution.height} shape of the layout`,
      );
  }

  try {
    return await sweepFitVerify();
  } catch (error) {
    // Whatever went wrong, the laser is not left on (the daemon's on-time limit is the backstop).
    await rig.laser(false).catch(() => {});
    throw error;
  }

  async function sweepFitVerify(): Promise<LocatorCalibrationResult> {
    /** Laser-on then laser-off frames of the given cameras, with the dot search on each pair. */
    const shoot = async (ids: readonly string[]) => {
      await rig.laser(true);
      const on = new Map<string, RgbFrame>();
      for (const id of ids) on.set(id, await rig.grab(id));
      await rig.laser(false);
      const found = new Map<string, { search: DotSearch; frame: RgbFrame }>();
      for (const id of ids) {
        const onFrame = on.get(id)!;
        const offFrame = await rig.grab(id);
        if (offFrame.width !== onFrame.width || offFrame.height !== onFrame.height)
          throw new LocatorCalibrationError(
            `camera ${id} changed its frame size during the sweep (${onFrame.width}×${onFrame.height}, then ${offFrame.width}×${offFrame.height})`,
          );
        found.set(id, { search: findLaserDot(onFrame, offFrame), frame: onFrame });
      }
      return found;
    };

    /** Shots at a slot need only the cameras that see it, if two do; the sweep asks every camera. */
    const camerasFor = (slot: Slot | undefined) => {
      const seeing = slot ? cameras.filter((c) => c.view.slots[slot.id]) : [];
      return seeing.length >= 2 ? seeing : cameras;
    };

    const sample = async (aim: Aim, shooting: MeasuringCamera[] = cameras): Promise<Sample> => {
      await rig.aim(aim.panDeg, aim.tiltDeg);
      const searches = await shoot(shooting.map((c) => c.id));
      // Someone walking past or a second red spot spoils one pair; a second pair usually is clean.
      const disturbed = [...searches].filter(([, s]) => !s.search.found && s.search.reason !== 'no-dot');
      if (disturbed.length > 0)
        for (const [id, again] of await shoot(disturbed.map(([id]) => id))) searches.set(id, again);
      const result: Sample = { aim, searches: new Map(), dotsPx: new Map(), rays: [] };
      for (const camera of shooting) {
        const { search, frame } = searches.get(camera.id)!;
        result.searches.set(camera.id, search);
        if (!search.found) continue;
        const k = camera.view.resolution.width / frame.width;
        const px = { x: search.dot.x * k, y: search.dot.y * k };
        result.dotsPx.set(camera.id, px);
        result.rays.push(camera.rayThrough(px.x, px.y));
      }
      result.spot = consistentSpot(result.rays);
      log?.debug(
        { aim, seenBy: [...result.dotsPx.keys()], spotCm: result.spot?.pointCm },
        'locator calibration shot',
      );
      return result;
    };

    const run = async (stage: CalibrationProgress['stage'], aims: Array<Aim & { slot?: Slot }>) => {
      const out: Sample[] = [];
      for (const aim of aims) {
        out.push(await sample(aim, camerasFor(aim.slot)));
        options.onProgress?.({ stage, done: out.length, total: aims.length });
      }
      return out;
    };

    const observationsOf = (samples: Sample[]): BeamObservation[] =>
      samples.flatMap((s) =>
        s.spot ? [{ panDeg: s.aim.panDeg, tiltDeg: s.aim.tiltDeg, spotCm: s.spot.pointCm }] : [],
      );

    const nominal = nominalMountModel(locator.mount.positionCm);
    const unitIds = [...new Set(slots.map((s) => s.unitId))];
    const coarse = await run('coarse', coarseGrid(layout, locator, unitIds, gridSize));
    const coarseObservations = observationsOf(coarse);
    if (coarseObservations.length < 8) {
      const seen = coarse.filter((s) => s.dotsPx.size > 0).length;
      throw new LocatorCalibrationError(
        `the laser dot was located in only ${coarseObservations.length} of ${coarse.length} coarse samples (seen by any camera in ${seen}); ` +
          'check that the laser is on and visible, the cameras see the shelves, and the mount position in the layout is right',
      );
    }
    const first = fitMountModel(nominal, coarseObservations);
    log?.info(
      { samples: coarse.length, located: coarseObservations.length, model: first.model },
      'locator calibration: coarse fit',
    );

    // Refine around each level: one shot at each slot with the first model puts samples where
    // the final angles will be.
    const refineAims = slots.map((slot) => ({ ...aimModel(first.model, slot.aimPoint), slot }));
    const refine = await run(
      'refine',
      refineAims.filter((a) => withinRanges(a, locator)),
    );
    const allSamples = [...coarse, ...refine];
    const observations = observationsOf(allSamples);
    const fit = fitMountModel(nominal, observations);

    const fitMedianCm = median(fit.residualsCm.filter((_, i) => !fit.outliers.includes(i)));
    if (fitMedianCm > 0.5)
      notes.push(
        `the mount model leaves a median miss of ${fitMedianCm.toFixed(2)} cm: check the camera poses and the mount position in the layout`,
      );
    log?.info(
      {
        samples: allSamples.length,
        located: observations.length,
        outliers: fit.outliers.length,
        fitMedianCm,
        model: fit.model,
      },
      'locator calibration: final fit',
    );
    const levelTrims = trimsPerLevel(layout, fit.model, refine, notes);
    const targets = slots.map((slot) => {
      const levelId = levelIdOf(slot.unitId, slot.levelNumber);
      const aim = aimModel(fit.model, slot.aimPoint);
      const trim = levelTrims[levelId];
      return {
        slot,
        levelId,
        aim: trim ? { panDeg: aim.panDeg + trim.panDeg, tiltDeg: aim.tiltDeg + trim.tiltDeg } : aim,
      };
    });

    const verified: SlotResidual[] = [];
    let done = 0;
    for (const { slot, levelId, aim } of targets) {
      const residual: SlotResidual = {
        slotId: slot.id,
        levelId,
        panDeg: round3(aim.panDeg),
        tiltDeg: round3(aim.tiltDeg),
        seenBy: [],
      };
      if (!withinRanges(aim, locator)) {
        residual.problem = `needs pan ${aim.panDeg.toFixed(1)}°, tilt ${aim.tiltDeg.toFixed(1)}°, outside the mount's ranges`;
      } else {
        // A shot that misses or finds nothing is taken twice more and the median kept: one false
        // detection (a red sleeve passing) is outvoted, a real miss is not.
        const shots: Array<Partial<SlotResidual>> = [];
        for (let attempt = 0; attempt < 3; attempt++) {
          const shot = await sample(aim, camerasFor(slot));
          shots.push(verifySlot(slot, fit.model, shot, cameras, toleranceCm));
          if (attempt === 0 && shots[0]!.residualCm !== undefined && !shots[0]!.problem) break;
        }
        const measured = shots.filter((v) => v.residualCm !== undefined);
        measured.sort((a, b) => a.residualCm! - b.residualCm!);
        Object.assign(residual, measured[(measured.length - 1) >> 1] ?? shots[0]!);
        if (shots.length > 1) residual.shots = shots.length;
      }
      verified.push(residual);
      options.onProgress?.({ stage: 'verify', done: ++done, total: targets.length });
    }

    const pxs = verified.flatMap((s) => (s.residualPx === undefined ? [] : [s.residualPx]));
    const cms = verified.flatMap((s) => (s.residualCm === undefined ? [] : [s.residualCm]));
    const unverified = verified.filter((s) => s.residualCm === undefined);
    if (unverified.length > 0)
      notes.push(
        `${unverified.length} slot(s) could not be verified: ${unverified.map((s) => s.slotId).join(', ')}`,
      );
    log?.info(
      {
        slots: verified.length,
        verified: cms.length,
        withinTolerance: cms.filter((c) => c <= toleranceCm).length,
        maxCm: cms.length ? Math.max(...cms) : null,
      },
      'locator calibration: verified',
    );
    const calibration: LocatorCalibration = {
      calibratedAt: (options.now?.() ?? new Date()).toISOString(),
      residualPx: round2(pxs.length ? Math.max(...pxs) : 0),
      residualCm: round2(cms.length ? Math.max(...cms) : 0),
      slotTargets: Object.fromEntries(
        verified
          .filter((s) => withinRanges(s, locator))
          .map((s) => [s.slotId, { panDeg: s.panDeg, tiltDeg: s.tiltDeg }]),
      ),
    };
    return {
      calibration,
      model: fit.model,
      levelTrims,
      slots: verified,
      summary: {
        samples: allSamples.length,
        samplesUsed: observations.length - fit.outliers.length,
        outliers: fit.outliers.length,
        fitMedianCm: round2(fitMedianCm),
        medianPx: round2(median(pxs)),
        maxPx: round2(pxs.length ? Math.max(...pxs) : Number.NaN),
        medianCm: round2(median(cms)),
        maxCm: round2(cms.length ? Math.max(...cms) : Number.NaN),
        toleranceCm,
        slotsWithinTolerance: cms.filter((c) => c <= toleranceCm).length,
        slotsVerified: cms.length,
      },
      notes,
    };
  }
}

/**
 * Triangulates a sample's rays; with three or more cameras that disagree, the one farthest
 * from the others' point is dropped once (it most likely took a reflection for the dot).
 */
function consistentSpot(rays: CameraRay[]): Sample['spot'] {
  let used = rays;
  let t = triangulate(used);
  if (t && t.spreadCm > maxSpreadCm && used.length >= 3) {
    const candidates = used.map((_, i) => used.filter((__, j) => j !== i));
    const best = candidates
      .map((c) => ({ c, t: triangulate(c) }))
      .filter((x) => x.t)
      .sort((a, b) => a.t!.spreadCm - b.t!.spreadCm)[0];
    if (best) {
      used = best.c;
      t = best.t;
    }
  }
  if (!t || t.spreadCm > maxSpreadCm) return undefined;
  return { ...t, cameras: used.map((r) => r.cameraId) };
}

/**
 * Per level, the median difference between the commanded angles of the refining shots and the
 * angles the fitted model says would reach the spots they hit. Zero when the model is right;
 * it takes up what a rigid mount model cannot (backlash, a beam not on the axes).
 */
function trimsPerLevel(
  layout: RoomLayout,
  model: MountModel,
  refine: Sample[],
  notes: string[],
): Record<string, LevelTrim> {
  const byLevel = new Map<string, Array<{ panDeg: number; tiltDeg: number }>>();
  for (const s of refine) {
    if (!s.spot) continue;
    const levelId = levelAt(layout, s.spot.pointCm);
    if (!levelId) continue;
    const modelled = aimModel(model, s.spot.pointCm);
    const list = byLevel.get(levelId) ?? [];
    list.push({ panDeg: s.aim.panDeg - modelled.panDeg, tiltDeg: s.aim.tiltDeg - modelled.tiltDeg });
    byLevel.set(levelId, list);
  }
  const trims: Record<string, LevelTrim> = {};
  for (const [levelId, diffs] of byLevel) {
    if (diffs.length < 3) continue;
    const trim = {
      panDeg: median(diffs.map((d) => d.panDeg)),
      tiltDeg: median(diffs.map((d) => d.tiltDeg)),
      samples: diffs.length,
    };
    if (Math.hypot(trim.panDeg, trim.tiltDeg) > 0.5)
      notes.push(
        `level ${levelId} needs a trim of ${trim.panDeg.toFixed(2)}° pan, ${trim.tiltDeg.toFixed(2)}° tilt: the mount is not rigid there, or the layout's shelf heights are off`,
      );
    trims[levelId] = trim;
  }
  return trims;
}

/**
 * How far a verification shot misses: the distance of the dot from the line the beam should
 * follow (from the fitted origin through the slot's aim point), in cm, and in the images from
 * that line's point nearest the dot. Measured across the beam, it does not depend on the surface
 * the dot happens to land on (board, back panel, a post); the slot's centre is that line's end
 * on the board or the back, where an ideal mount's beam lands.
 */
function verifySlot(
  slot: Slot,
  model: MountModel,
  shot: Sample,
  cameras: MeasuringCamera[],
  toleranceCm: number,
): Partial<SlotResidual> {
  const direction = normalize(sub(slot.aimPoint, model.originCm));
  const intended = { origin: model.originCm, direction };
  const found = [...shot.dotsPx.keys()];
  if (found.length === 0) {
    const reasons = [...shot.searches].map(([id, s]) => `${id}: ${s.found ? 'found' : s.detail}`);
    return { seenBy: found, problem: `no camera found the dot (${reasons.join('; ')})` };
  }
  if (!shot.spot && found.length >= 2)
    return { seenBy: found, problem: `the cameras disagree on where the dot is (${found.join(', ')})` };
  // One camera only: the dot is somewhere on its ray; take the ray's point nearest the intended
  // beam (so the figure is a lower bound).
  const seenBy = shot.spot?.cameras ?? found;
  const measured = shot.spot?.pointCm ?? nearestOnRay(shot.rays[0]!, intended);
  const along = dot(sub(measured, intended.origin), direction);
  const onLine = add(intended.origin, scale(direction, along));
  const residualCm = length(sub(measured, onLine));
  const pxs: number[] = [];
  for (const cameraId of seenBy) {
    const px = shot.dotsPx.get(cameraId)!;
    const p = cameras.find((c) => c.id === cameraId)!.pinhole.project(onLine);
    if (p) pxs.push(Math.hypot(p.x - px.x, p.y - px.y));
  }
  return {
    seenBy,
    residualCm: round2(residualCm),
    ...(pxs.length ? { residualPx: round2(median(pxs)) } : {}),
    ...(residualCm > toleranceCm
      ? { problem: `the dot lands ${residualCm.toFixed(1)} cm from the slot's centre` }
      : {}),
  };
}

/** The point of a ray nearest to a line (closest approach of two lines, clamped ahead of the ray). */
function nearestOnRay(ray: CameraRay, line: { origin: Vec3; direction: Vec3 }): Vec3 {
  const w = sub(ray.origin, line.origin);
  const b = dot(ray.direction, line.direction);
  const d = dot(ray.direction, w);
  const e = dot(line.direction, w);
  const denominator = 1 - b * b;
  const t = denominator < 1e-9 ? 0 : Math.max(0, (b * e - d) / denominator);
  return add(ray.origin, scale(ray.direction, t));
}

const round2 = (v: number) => Math.round(v * 100) / 100;
const round3 = (v: number) => Math.round(v * 1000) / 1000;
