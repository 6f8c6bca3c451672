import { seededRandom } from '../seeded-random.ts';
import type { Shader } from './rasterizer.ts';

export type Rgb = readonly [number, number, number];

export function parseColour(hex: string): Rgb {
  const match = /^#?([0-9a-f]{6})$/i.exec(hex);
  if (!match) throw new RangeError(`not a colour: ${hex} (expected #rrggbb)`);
  const value = Number.parseInt(match[1]!, 16);
  return [(value >> 16) & 255, (value >> 8) & 255, value & 255];
}

/** A stable 32-bit hash of small integers, for per-tile and per-bar variation. */
export function hash2(a: number, b: number, seed = 0): number {
  let h = Math.imul(a | 0, 0x27d4eb2d) ^ Math.imul(b | 0, 0x165667b1) ^ Math.imul(seed | 0, 0x9e3779b9);
  h ^= h >>> 15;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

const tileBits = 8;
const tileSize = 1 << tileBits;
const tileMask = tileSize - 1;

/**
 * Value noise on a 256×256 torus in [-1, 1]: smooth enough for fibres and grain when sampled at a
 * few texels per cm, and a table lookup in the per-pixel path.
 */
export class NoiseTile {
  readonly values: Float32Array;

  constructor(seed: number) {
    const random = seededRandom(seed);
    const coarse = new Float32Array(tileSize * tileSize);
    for (let i = 0; i < coarse.length; i++) coarse[i] = random.float() * 2 - 1;
    // One box-blur pass so neighbouring texels correlate (fibre-like rather than salt and pepper).
    this.values = new Float32Array(tileSize * tileSize);
    for (let y = 0; y < tileSize; y++)
      for (let x = 0; x < tileSize; x++) {
        let sum = 0;
        for (let dy = -1; dy <= 1; dy++)
          for (let dx = -1; dx <= 1; dx++)
            sum += coarse[((y + dy) & tileMask) * tileSize + ((x + dx) & tileMask)]!;
        this.values[y * tileSize + x] = (sum / 9) * 2.2;
      }
  }

  /** Nearest texel; `u`, `v` in texels. */
  at(u: number, v: number): number {
    return this.values[((v | 0) & tileMask) * tileSize + ((u | 0) & tileMask)]!;
  }

  /** Bilinear sample, for the static room where cost does not matter. */
  smooth(u: number, v: number): number {
    const x0 = Math.floor(u);
    const y0 = Math.floor(v);
    const fx = u - x0;
    const fy = v - y0;
    const a = this.at(x0, y0);
    const b = this.at(x0 + 1, y0);
    const c = this.at(x0, y0 + 1);
    const d = this.at(x0 + 1, y0 + 1);
    return (a * (1 - fx) + b * fx) * (1 - fy) + (c * (1 - fx) + d * fx) * fy;
  }
}

export const write = (rgb: Uint8Array, o: number, r: number, g: number, b: number) => {
  rgb[o] = r < 0 ? 0 : Math.min(r, 255);
  rgb[o + 1] = g < 0 ? 0 : Math.min(g, 255);
  rgb[o + 2] = b < 0 ? 0 : Math.min(b, 255);
};

/** A plain surface with fine fibre noise of `grain` (0–1) at `texelsPerCm`. */
export function matte(noise: NoiseTile, colour: Rgb, grain: number, texelsPerCm = 3): Shader {
  const [r, g, b] = colour;
  return (u, v, shade, rgb, o) => {
    const k = shade * (1 + grain * noise.at(u * texelsPerCm, v * texelsPerCm));
    write(rgb, o, r * k, g * k, b * k);
  };
}
