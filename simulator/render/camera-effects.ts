import type { SceneLighting } from '../scene.ts';
import { seededRandom } from '../seeded-random.ts';
import { hash2 } from './textures.ts';

const noiseBits = 20;
const noiseMask = (1 << noiseBits) - 1;
/** Sensor noise levels (standard deviation in 8-bit steps) with a table each; frames pick one. */
const sigmaSteps = [2, 3, 4, 5, 6, 7] as const;

/**
 * Gaussian sensor noise, pre-scaled to each level in `sigmaSteps` so the per-pixel path is an
 * integer add. Read at a per-frame offset.
 */
export interface SensorNoise {
  tables: Int8Array[];
}

export function sensorNoise(seed: number): SensorNoise {
  const random = seededRandom(seed);
  const unit = new Float32Array(1 << noiseBits);
  for (let i = 0; i < unit.length; i += 2) {
    // Box–Muller gives two normal samples per pair of uniforms.
    const r = Math.sqrt(-2 * Math.log(1 - random.float()));
    const a = 2 * Math.PI * random.float();
    unit[i] = r * Math.cos(a);
    unit[i + 1] = r * Math.sin(a);
  }
  return {
    tables: sigmaSteps.map((sigma) => {
      const table = new Int8Array(unit.length);
      for (let i = 0; i < unit.length; i++)
        table[i] = Math.max(-127, Math.min(127, Math.round(unit[i]! * sigma)));
      return table;
    }),
  };
}

export interface ExposureOptions {
  /** Per-camera white balance error, multiplies each channel. */
  whiteBalance: readonly [number, number, number];
  seed: number;
}

/**
 * The camera's response to the room's light: scene radiance (the rasteriser's shaded albedo)
 * times brightness, warmth and mains flicker, plus a black level and sensor noise that grows as
 * the light fails (the camera's gain goes up). Writes `out`; `albedo` is left as it was.
 */
export function expose(
  albedo: Uint8Array,
  out: Uint8ClampedArray,
  lighting: SceneLighting,
  frameIndex: number,
  noise: SensorNoise,
  options: ExposureOptions,
): void {
  const flicker = 1 + ((hash2(frameIndex, 3, options.seed) & 1023) / 1023 - 0.5) * 0.03;
  const level = Math.max(0, lighting.brightness) * flicker;
  const w = Math.max(-1, Math.min(1, lighting.warmth));
  const gains = [
    level * options.whiteBalance[0] * (1 + 0.12 * w),
    level * options.whiteBalance[1] * (1 + 0.02 * w),
    level * options.whiteBalance[2] * (1 - 0.16 * w),
  ];
  const black = 3;
  const lutR = new Int16Array(256);
  const lutG = new Int16Array(256);
  const lutB = new Int16Array(256);
  for (let v = 0; v < 256; v++) {
    lutR[v] = Math.round(black + v * gains[0]!);
    lutG[v] = Math.round(black + v * gains[1]!);
    lutB[v] = Math.round(black + v * gains[2]!);
  }
  const step = Math.min(sigmaSteps.length - 1, Math.max(0, Math.round(5 * (1 - Math.min(1, level)))));
  const table = noise.tables[step]!;
  let n = hash2(frameIndex, 5, options.seed) & noiseMask;
  const length = albedo.length;
  for (let i = 0; i < length; i += 3) {
    // Luma noise shared by the three channels plus a little chroma noise, as sensors show.
    const luma = table[n]!;
    const chroma = table[(n + 1) & noiseMask]! >> 2;
    out[i] = lutR[albedo[i]!]! + luma + chroma;
    out[i + 1] = lutG[albedo[i + 1]!]! + luma;
    out[i + 2] = lutB[albedo[i + 2]!]! + luma - chroma;
    n = (n + 2) & noiseMask;
  }
}

/** A region lit by a strobe: full strength inside the rectangle, fading out over `fadePx`. */
export interface GlowRegion {
  left: number;
  top: number;
  right: number;
  bottom: number;
  fadePx: number;
}

/** Adds a strobe's cold flash: light on every surface of the region, stronger on bright ones. */
export function addGlow(
  out: Uint8ClampedArray,
  albedo: Uint8Array,
  width: number,
  height: number,
  region: GlowRegion,
): void {
  const x0 = Math.max(0, Math.floor(region.left - region.fadePx));
  const x1 = Math.min(width - 1, Math.ceil(region.right + region.fadePx));
  const y0 = Math.max(0, Math.floor(region.top - region.fadePx));
  const y1 = Math.min(height - 1, Math.ceil(region.bottom + region.fadePx));
  for (let y = y0; y <= y1; y++) {
    const dy = y < region.top ? region.top - y : y > region.bottom ? y - region.bottom : 0;
    for (let x = x0; x <= x1; x++) {
      const dx = x < region.left ? region.left - x : x > region.right ? x - region.right : 0;
      const d = Math.hypot(dx, dy) / region.fadePx;
      if (d >= 1) continue;
      const g = (1 - d) * (1 - d);
      const o = (y * width + x) * 3;
      out[o] = out[o]! + g * (30 + 0.55 * albedo[o]!);
      out[o + 1] = out[o + 1]! + g * (32 + 0.58 * albedo[o + 1]!);
      out[o + 2] = out[o + 2]! + g * (38 + 0.65 * albedo[o + 2]!);
    }
  }
}

/**
 * The laser's dot: a saturated core and a red bloom. It is emitted light, so it is as bright in
 * the dark as in daylight.
 */
export function addLaserDot(
  out: Uint8ClampedArray,
  width: number,
  height: number,
  x: number,
  y: number,
  scale: number,
): void {
  const core = Math.max(1.2, 2.2 * scale);
  const bloom = Math.max(3, 7 * scale);
  const x0 = Math.max(0, Math.floor(x - bloom));
  const x1 = Math.min(width - 1, Math.ceil(x + bloom));
  const y0 = Math.max(0, Math.floor(y - bloom));
  const y1 = Math.min(height - 1, Math.ceil(y + bloom));
  for (let py = y0; py <= y1; py++)
    for (let px = x0; px <= x1; px++) {
      const d = Math.hypot(px + 0.5 - x, py + 0.5 - y);
      if (d > bloom) continue;
      const o = (py * width + px) * 3;
      if (d <= core) {
        out[o] = 255;
        out[o + 1] = 70 + (1 - d / core) * 120;
        out[o + 2] = 60 + (1 - d / core) * 100;
      } else {
        const g = (1 - (d - core) / (bloom - core)) ** 2;
        out[o] = out[o]! + g * 220;
        out[o + 1] = out[o + 1]! * (1 - 0.5 * g);
        out[o + 2] = out[o + 2]! * (1 - 0.5 * g);
      }
    }
}
