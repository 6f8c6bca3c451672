import { type Point2, pointInPolygon } from '../../calibration/index.ts';

/** A watched region of one camera's picture: a slot's polygon in full-frame pixels. */
export interface MotionRegion {
  id: string;
  polygon: readonly Point2[];
}

export interface MotionGateOptions {
  /** Grey levels a pixel must change by to count (after light compensation). */
  pixelThreshold: number;
  /** Share of a region's pixels that must change for the region to count as moving or changed. */
  regionShare: number;
  /** Quiet time after the last motion before a region is declared settled. */
  settleMs: number;
  /** Brightness ratio between frames beyond which the change is the light, not an object. */
  lightingRatio: number;
  /** Share of the whole picture changing at once that is treated like a lighting change. */
  globalShare: number;
  /** Still regions drift towards the current picture at this rate per frame (slow light drift). */
  backgroundRate: number;
  /** Every region is re-checked this often even without motion (0 disables). */
  recheckMs: number;
}

export const defaultMotionGateOptions: MotionGateOptions = {
  pixelThreshold: 18,
  regionShare: 0.02,
  settleMs: 600,
  lightingRatio: 1.25,
  globalShare: 0.45,
  backgroundRate: 0.02,
  recheckMs: 30_000,
};

export type MotionEvent =
  | { kind: 'motion'; timeMs: number; regions: string[] }
  /** Regions quiet again after motion; `changed` are those that now differ from before it. */
  | { kind: 'settled'; timeMs: number; regions: string[]; changed: string[] }
  | { kind: 'lighting'; timeMs: number; ratio: number }
  | { kind: 'recheck'; timeMs: number; regions: string[] };

/**
 * Cheap per-region change detection on small grey frames. Frame-to-frame differences say what is
 * moving; a per-region background (the picture when the region last settled) says whether the
 * region ended up different. Global brightness changes (lights, exposure, a strobe) are
 * compensated by the mean brightness ratio, and a change of the whole picture is reported as
 * `lighting`, never as objects. Pure: time comes from the frames.
 */
export class MotionGate {
  private readonly options: MotionGateOptions;
  private readonly regionOf: Int16Array;
  private readonly regionSize: Uint32Array;
  private previous: Float32Array | undefined;
  private background: Float32Array | undefined;
  private readonly moving: boolean[];
  private readonly lastMotionMs: number[];
  private quietUntilMs = 0;
  /** Regions that settled different from their background and wait for acceptBackground. */
  private readonly pending = new Set<number>();
  private lastRecheckMs: number | undefined;

  constructor(
    readonly regions: readonly MotionRegion[],
    frameSize: { width: number; height: number },
    readonly motionSize: { width: number; height: number },
    options: Partial<MotionGateOptions> = {},
  ) {
    this.options = { ...defaultMotionGateOptions, ...options };
    const { width, height } = motionSize;
    const sx = frameSize.width / width;
    const sy = frameSize.height / height;
    this.regionOf = new Int16Array(width * height).fill(-1);
    this.regionSize = new Uint32Array(regions.length);
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++) {
        const point: Point2 = [(x + 0.5) * sx, (y + 0.5) * sy];
        const r = regions.findIndex((region) => pointInPolygon(point, region.polygon));
        if (r < 0) continue;
        this.regionOf[y * width + x] = r;
        this.regionSize[r]!++;
      }
    this.moving = regions.map(() => false);
    this.lastMotionMs = regions.map(() => Number.NEGATIVE_INFINITY);
  }

  /** Pixels of each region at the motion size (a region smaller than a few pixels cannot be watched). */
  get regionPixels(): Record<string, number> {
    return Object.fromEntries(this.regions.map((r, i) => [r.id, this.regionSize[i]!]));
  }

  update(grey: Uint8Array, timeMs: number): MotionEvent[] {
    const { width, height } = this.motionSize;
    if (grey.length !== width * height)
      throw new RangeError(`expected a ${width}×${height} grey frame, got ${grey.length} bytes`);
    const current = Float32Array.from(grey);
    if (!this.previous || !this.background) {
      this.previous = current;
      this.background = Float32Array.from(current);
      this.lastRecheckMs = timeMs;
      return [];
    }
    const events: MotionEvent[] = [];
    const o = this.options;
    const ratio = (mean(this.previous) + 1) / (mean(current) + 1);

    // Frame-to-frame change per region, with brightness changes taken out: the whole picture's
    // for the global test, each region's own inside it (a strobe or a shadow lights one part).
    const regionRatio = this.regionRatios(this.previous, current);
    const changed = new Uint32Array(this.regions.length);
    let changedAll = 0;
    for (let i = 0; i < current.length; i++) {
      if (Math.abs(current[i]! * ratio - this.previous[i]!) > o.pixelThreshold) changedAll++;
      const r = this.regionOf[i]!;
      if (r >= 0 && Math.abs(current[i]! * regionRatio[r]! - this.previous[i]!) > o.pixelThreshold)
        changed[r]!++;
    }
    const lightJump = Math.max(ratio, 1 / ratio) > o.lightingRatio;
    if (lightJump || changedAll > o.globalShare * current.length) {
      // The light changed (or the camera moved): adopt the new picture everywhere, and give the
      // auto-exposure a moment before judging regions again.
      events.push({ kind: 'lighting', timeMs, ratio: 1 / ratio });
      this.previous = current;
      this.background = Float32Array.from(current);
      this.quietUntilMs = timeMs + o.settleMs;
      return events;
    }

    const started: string[] = [];
    const settled: string[] = [];
    const changedSinceSettle: string[] = [];
    for (let r = 0; r < this.regions.length; r++) {
      const size = this.regionSize[r]!;
      if (size === 0) continue;
      if (changed[r]! > o.regionShare * size) {
        this.lastMotionMs[r] = timeMs;
        if (!this.moving[r]) {
          this.moving[r] = true;
          started.push(this.regions[r]!.id);
        }
      } else if (
        this.moving[r] &&
        timeMs - this.lastMotionMs[r]! >= o.settleMs &&
        timeMs >= this.quietUntilMs
      ) {
        this.moving[r] = false;
        settled.push(this.regions[r]!.id);
        if (this.differsFromBackground(r, current)) changedSinceSettle.push(this.regions[r]!.id);
      }
    }
    if (started.length) events.push({ kind: 'motion', timeMs, regions: started });
    if (settled.length)
      events.push({ kind: 'settled', timeMs, regions: settled, changed: changedSinceSettle });

    // Still regions follow slow light drift; a region that settled different keeps its old
    // background until the pipeline has looked at it (acceptBackground).
    for (const id of changedSinceSettle) this.pending.add(this.regions.findIndex((r) => r.id === id));
    const bg = this.background;
    for (let i = 0; i < current.length; i++) {
      const r = this.regionOf[i]!;
      if (r >= 0 && (this.moving[r] || this.pending.has(r))) continue;
      bg[i] = bg[i]! + o.backgroundRate * (current[i]! - bg[i]!);
    }
    this.previous = current;

    if (o.recheckMs > 0 && timeMs - (this.lastRecheckMs ?? timeMs) >= o.recheckMs) {
      this.lastRecheckMs = timeMs;
      events.push({
        kind: 'recheck',
        timeMs,
        regions: this.regions.filter((_, r) => !this.moving[r]).map((r) => r.id),
      });
    }
    return events;
  }

  /** Whether any region is moving right now. */
  anyMoving(): boolean {
    return this.moving.some(Boolean);
  }

  /** Whether a region is moving right now (a hand in it). */
  isMoving(id: string): boolean {
    const r = this.regions.findIndex((region) => region.id === id);
    return r >= 0 && this.moving[r]!;
  }

  /** The regions' current picture becomes their background: what the pipeline has now seen. */
  acceptBackground(ids: readonly string[], picture = this.previous): void {
    if (!picture || !this.background) return;
    const wanted = new Set(ids.map((id) => this.regions.findIndex((r) => r.id === id)));
    for (const r of wanted) this.pending.delete(r);
    for (let i = 0; i < picture.length; i++)
      if (wanted.has(this.regionOf[i]!)) this.background[i] = picture[i]!;
  }

  private differsFromBackground(r: number, current: Float32Array): boolean {
    const bg = this.background!;
    const ratio = this.regionRatios(bg, current)[r]!;
    let differing = 0;
    for (let i = 0; i < current.length; i++)
      if (this.regionOf[i] === r && Math.abs(current[i]! * ratio - bg[i]!) > this.options.pixelThreshold)
        differing++;
    return differing > this.options.regionShare * this.regionSize[r]!;
  }

  /** Per region: mean of `reference` over mean of `current`, the gain that matches their light. */
  private regionRatios(reference: Float32Array, current: Float32Array): Float64Array {
    const sumRef = new Float64Array(this.regions.length);
    const sumCur = new Float64Array(this.regions.length);
    for (let i = 0; i < current.length; i++) {
      const r = this.regionOf[i]!;
      if (r < 0) continue;
      sumRef[r]! += reference[i]!;
      sumCur[r]! += current[i]!;
    }
    return sumRef.map((ref, r) => (ref + 1) / (sumCur[r]! + 1));
  }
}

function mean(values: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i]!;
  return sum / values.length;
}
