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
  // Pixel p takes the noise sample at start + p; a multiple of 4 keeps whole words aligned.
  const start = hash2(frameIndex, 5, options.seed) & noiseMask & ~3;
  const pixels = albedo.length / 3;
  const aligned = littleEndian && albedo.byteOffset % 4 === 0 && out.byteOffset % 4 === 0 && pixels % 4 === 0;
  if (aligned) exposeWords(albedo, out, lutR, lutG, lutB, table, start);
  else
    for (let p = 0, i = 0; p < pixels; p++, i += 3) {
      // Luma noise, shared by the three channels as in a sensor's dominant noise.
      const luma = table[(start + p) & noiseMask]!;
      out[i] = lutR[albedo[i]!]! + luma;
      out[i + 1] = lutG[albedo[i + 1]!]! + luma;
      out[i + 2] = lutB[albedo[i + 2]!]! + luma;
    }
}

const littleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
const clamp = (v: number) => (v < 0 ? 0 : Math.min(v, 255));

/**
 * The same as the byte loop, four pixels (three 32-bit words) at a time: about 40 % faster,
 * which matters at 30 frames a second. Little-endian words hold R0 G0 B0 R1 | G1 B1 R2 G2 | B2 R3 G3 B3.
 */
function exposeWords(
  albedo: Uint8Array,
  out: Uint8ClampedArray,
  lutR: Int16Array,
  lutG: Int16Array,
  lutB: Int16Array,
  table: Int8Array,
  start: number,
): void {
  const source = new Uint32Array(albedo.buffer, albedo.byteOffset, albedo.length >> 2);
  const target = new Uint32Array(out.buffer, out.byteOffset, out.length >> 2);
  const noiseWords = new Int32Array(table.buffer, table.byteOffset, table.length >> 2);
  const wordMask = noiseWords.length - 1;
  let n = start >> 2;
  for (let j = 0; j < source.length; j += 3) {
    const w0 = source[j]!;
    const w1 = source[j + 1]!;
    const w2 = source[j + 2]!;
    const nz = noiseWords[n]!;
    n = (n + 1) & wordMask;
    const l0 = (nz << 24) >> 24;
    const l1 = (nz << 16) >> 24;
    const l2 = (nz << 8) >> 24;
    const l3 = nz >> 24;
    target[j] =
      clamp(lutR[w0 & 255]! + l0) |
      (clamp(lutG[(w0 >>> 8) & 255]! + l0) << 8) |
      (clamp(lutB[(w0 >>> 16) & 255]! + l0) << 16) |
      (clamp(lutR[w0 >>> 24]! + l1) << 24);
    target[j + 1] =
      clamp(lutG[w1 & 255]! + l1) |
      (clamp(lutB[(w1 >>> 8) & 255]! + l1) << 8) |
      (clamp(lutR[(w1 >>> 16) & 255]! + l2) << 16) |
      (clamp(lutG[w1 >>> 24]! + l2) << 24);
    target[j + 2] =
      clamp(lutB[w2 & 255]! + l2) |
      (clamp(lutR[(w2 >>> 8) & 255]! + l3) << 8) |
      (clamp(lutG[(w2 >>> 16) & 255]! + l3) << 16) |
      (clamp(lutB[w2 >>> 24]! + l3) << 24);
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

/**
 * Lens softness: a separable [1 2 1]/4 blur of packed RGB, in place. Applied to the cached room
 * and package layer when they change, so the per-frame path and the JPEG encoder stay cheap.
 */
export function softenInPlace(rgb: Uint8Array, width: number, height: number): void {
  const row = new Uint8Array(width * 3);
  for (let y = 0; y < height; y++) {
    const base = y * width * 3;
    row.set(rgb.subarray(base, base + width * 3));
    for (let x = 1; x < width - 1; x++)
      for (let c = 0; c < 3; c++) {
        const o = x * 3 + c;
        rgb[base + o] = (row[o - 3]! + 2 * row[o]! + row[o + 3]! + 2) >> 2;
      }
  }
  const stride = width * 3;
  const previous = new Uint8Array(stride);
  const current = new Uint8Array(stride);
  previous.set(rgb.subarray(0, stride));
  for (let y = 1; y < height - 1; y++) {
    const base = y * stride;
    current.set(rgb.subarray(base, base + stride));
    for (let o = 0; o < stride; o++)
      rgb[base + o] = (previous[o]! + 2 * current[o]! + rgb[base + stride + o]! + 2) >> 2;
    previous.set(current);
  }
}
