import { laserDirection } from '../geometry/laser-aim.ts';
import { cross, dot, length, sub, type Vec3 } from '../geometry/vector.ts';

/**
 * A pan-tilt mount as it really sits: where the beam starts, how its base is turned against the
 * room (yaw, pitch, roll: small angles about z, x and y), and the tilt axis' zero offset. A pan
 * zero offset is the same thing as a yaw of the base, so it has no parameter of its own. These
 * seven numbers are all the rigid errors a pan-tilt head can have; what they do not cover
 * (backlash, a beam off the axes) the per-level trim takes up.
 */
export interface MountModel {
  originCm: Vec3;
  yawDeg: number;
  pitchDeg: number;
  rollDeg: number;
  tiltZeroDeg: number;
}

export interface Beam {
  origin: Vec3;
  direction: Vec3;
}

export const nominalMountModel = (positionCm: Vec3): MountModel => ({
  originCm: { ...positionCm },
  yawDeg: 0,
  pitchDeg: 0,
  rollDeg: 0,
  tiltZeroDeg: 0,
});

const radians = (deg: number) => (deg * Math.PI) / 180;
const degrees = (rad: number) => (rad * 180) / Math.PI;

type Matrix3 = [number, number, number, number, number, number, number, number, number];

/** Base rotation R = Rz(−yaw) · Rx(pitch) · Ry(roll); yaw turns like pan does (towards +x). */
function baseRotation(model: MountModel): Matrix3 {
  const [cy, sy] = [Math.cos(radians(-model.yawDeg)), Math.sin(radians(-model.yawDeg))];
  const [cp, sp] = [Math.cos(radians(model.pitchDeg)), Math.sin(radians(model.pitchDeg))];
  const [cr, sr] = [Math.cos(radians(model.rollDeg)), Math.sin(radians(model.rollDeg))];
  const rz: Matrix3 = [cy, -sy, 0, sy, cy, 0, 0, 0, 1];
  const rx: Matrix3 = [1, 0, 0, 0, cp, -sp, 0, sp, cp];
  const ry: Matrix3 = [cr, 0, sr, 0, 1, 0, -sr, 0, cr];
  return multiply(multiply(rz, rx), ry);
}

function multiply(a: Matrix3, b: Matrix3): Matrix3 {
  const m = new Array(9).fill(0) as Matrix3;
  for (let r = 0; r < 3; r++)
    for (let c = 0; c < 3; c++)
      for (let k = 0; k < 3; k++) m[r * 3 + c] = m[r * 3 + c]! + a[r * 3 + k]! * b[k * 3 + c]!;
  return m;
}

const apply = (m: Matrix3, v: Vec3): Vec3 => ({
  x: m[0] * v.x + m[1] * v.y + m[2] * v.z,
  y: m[3] * v.x + m[4] * v.y + m[5] * v.z,
  z: m[6] * v.x + m[7] * v.y + m[8] * v.z,
});

const applyTransposed = (m: Matrix3, v: Vec3): Vec3 => ({
  x: m[0] * v.x + m[3] * v.y + m[6] * v.z,
  y: m[1] * v.x + m[4] * v.y + m[7] * v.z,
  z: m[2] * v.x + m[5] * v.y + m[8] * v.z,
});

/** The beam the modelled mount casts for commanded angles. */
export function beamOf(model: MountModel, panDeg: number, tiltDeg: number): Beam {
  return {
    origin: model.originCm,
    direction: apply(baseRotation(model), laserDirection(panDeg, tiltDeg + model.tiltZeroDeg)),
  };
}

/** The commanded angles that send the modelled mount's beam through `target`. */
export function aimModel(model: MountModel, target: Vec3): { panDeg: number; tiltDeg: number } {
  const v = applyTransposed(baseRotation(model), sub(target, model.originCm));
  return {
    panDeg: degrees(Math.atan2(v.x, v.y)),
    tiltDeg: degrees(Math.atan2(v.z, Math.hypot(v.x, v.y))) - model.tiltZeroDeg,
  };
}

/** Perpendicular distance of a point from a beam (cm); points behind the origin count fully. */
export function distanceFromBeam(beam: Beam, point: Vec3): number {
  const p = sub(point, beam.origin);
  const along = dot(p, beam.direction);
  if (along < 0) return length(p);
  return length(cross(p, beam.direction));
}

/** One sample of the sweep: what was commanded, where the dot was found in the room. */
export interface BeamObservation {
  panDeg: number;
  tiltDeg: number;
  /** The dot's room position, triangulated from the cameras that saw it. */
  spotCm: Vec3;
}

export interface MountFit {
  model: MountModel;
  /** Each observation's distance from its modelled beam, cm, in the order given. */
  residualsCm: number[];
  /** Observations left out as outliers (indices into the input). */
  outliers: number[];
  iterations: number;
}

const parameterCount = 7;

function modelFrom(nominal: MountModel, p: readonly number[]): MountModel {
  return {
    originCm: {
      x: nominal.originCm.x + p[0]!,
      y: nominal.originCm.y + p[1]!,
      z: nominal.originCm.z + p[2]!,
    },
    yawDeg: nominal.yawDeg + p[3]!,
    pitchDeg: nominal.pitchDeg + p[4]!,
    rollDeg: nominal.rollDeg + p[5]!,
    tiltZeroDeg: nominal.tiltZeroDeg + p[6]!,
  };
}

/**
 * A weak pull towards the nominal mount (σ: 30 cm, 15°) keeps the fit well posed when the
 * samples cannot tell an offset from a turn; real data outweighs it by orders of magnitude.
 */
const priorSigma = [30, 30, 30, 15, 15, 15, 15];

/** Residual vector: three components of the miss vector per observation, then the prior. */
function residualVector(nominal: MountModel, p: readonly number[], observations: readonly BeamObservation[]) {
  const model = modelFrom(nominal, p);
  const rotation = baseRotation(model);
  const out: number[] = [];
  for (const o of observations) {
    const direction = apply(rotation, laserDirection(o.panDeg, o.tiltDeg + model.tiltZeroDeg));
    const v = sub(o.spotCm, model.originCm);
    const along = dot(v, direction);
    out.push(v.x - along * direction.x, v.y - along * direction.y, v.z - along * direction.z);
  }
  for (let k = 0; k < parameterCount; k++) out.push(p[k]! / priorSigma[k]!);
  return out;
}

function solveLinear(a: number[][], b: number[]): number[] | undefined {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]!]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let row = col + 1; row < n; row++)
      if (Math.abs(m[row]![col]!) > Math.abs(m[pivot]![col]!)) pivot = row;
    if (Math.abs(m[pivot]![col]!) < 1e-14) return undefined;
    [m[col], m[pivot]] = [m[pivot]!, m[col]!];
    for (let row = 0; row < n; row++) {
      if (row === col) continue;
      const factor = m[row]![col]! / m[col]![col]!;
      if (factor === 0) continue;
      for (let k = col; k <= n; k++) m[row]![k]! -= factor * m[col]![k]!;
    }
  }
  return m.map((row, i) => row[n]! / row[i]!);
}

const sumOfSquares = (r: readonly number[]) => r.reduce((s, v) => s + v * v, 0);

/** Levenberg–Marquardt with a numeric Jacobian: seven parameters, a few hundred residuals. */
function levenbergMarquardt(
  nominal: MountModel,
  observations: readonly BeamObservation[],
  start: readonly number[],
): { p: number[]; iterations: number } {
  let p = [...start];
  let r = residualVector(nominal, p, observations);
  let cost = sumOfSquares(r);
  let lambda = 1e-3;
  let iterations = 0;
  for (; iterations < 100; iterations++) {
    const jacobian: number[][] = [];
    for (let k = 0; k < parameterCount; k++) {
      const step = 1e-4;
      const q = [...p];
      q[k]! += step;
      const rq = residualVector(nominal, q, observations);
      jacobian.push(rq.map((v, i) => (v - r[i]!) / step));
    }
    const jtj = Array.from({ length: parameterCount }, (_, i) =>
      Array.from({ length: parameterCount }, (_, j) =>
        jacobian[i]!.reduce((s, v, n) => s + v * jacobian[j]![n]!, 0),
      ),
    );
    const jtr = jacobian.map((column) => column.reduce((s, v, n) => s + v * r[n]!, 0));
    let improved = false;
    while (lambda < 1e10) {
      const damped = jtj.map((row, i) => row.map((v, j) => (i === j ? v * (1 + lambda) + 1e-12 : v)));
      const delta = solveLinear(
        damped,
        jtr.map((v) => -v),
      );
      if (!delta) {
        lambda *= 10;
        continue;
      }
      const q = p.map((v, i) => v + delta[i]!);
      const rq = residualVector(nominal, q, observations);
      const costQ = sumOfSquares(rq);
      if (costQ < cost) {
        const gain = cost - costQ;
        p = q;
        r = rq;
        cost = costQ;
        lambda = Math.max(lambda / 10, 1e-9);
        improved = true;
        if (gain < 1e-12 * Math.max(1, cost)) return { p, iterations: iterations + 1 };
        break;
      }
      lambda *= 10;
    }
    if (!improved) break;
  }
  return { p, iterations };
}

/**
 * Fits the mount to observed spots: every spot must lie on the beam of its commanded angles.
 * Starts at the nominal mount; after a first fit, spots more than 4 median misses (and 1.5 cm)
 * off their beam are dropped as wrong detections and the fit is repeated without them.
 */
export function fitMountModel(nominal: MountModel, observations: readonly BeamObservation[]): MountFit {
  if (observations.length < 4)
    throw new RangeError(`a mount fit needs at least 4 observed spots, got ${observations.length}`);
  const first = levenbergMarquardt(nominal, observations, new Array(parameterCount).fill(0));
  const missesOf = (model: MountModel) =>
    observations.map((o) => distanceFromBeam(beamOf(model, o.panDeg, o.tiltDeg), o.spotCm));
  const firstMisses = missesOf(modelFrom(nominal, first.p));
  const limit = Math.max(1.5, 4 * median(firstMisses));
  const outliers = firstMisses.flatMap((m, i) => (m > limit ? [i] : []));
  if (outliers.length === 0 || observations.length - outliers.length < 4)
    return {
      model: modelFrom(nominal, first.p),
      residualsCm: firstMisses,
      outliers: [],
      iterations: first.iterations,
    };
  const kept = observations.filter((_, i) => !outliers.includes(i));
  const second = levenbergMarquardt(nominal, kept, first.p);
  const model = modelFrom(nominal, second.p);
  return { model, residualsCm: missesOf(model), outliers, iterations: first.iterations + second.iterations };
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
