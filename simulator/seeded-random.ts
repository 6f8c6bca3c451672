import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';

/** A deterministic random stream; `fork(label)` gives an independent stream per purpose. */
export interface SeededRandom {
  readonly seed: number;
  /** Uniform in [0, 1). */
  float(): number;
  /** Uniform in [min, max). */
  between(min: number, max: number): number;
  /** Integer uniform in [min, max]. */
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  chance(probability: number): boolean;
  fork(label: string | number): SeededRandom;
}

/** FNV-1a: a stable 32-bit hash so that string labels derive seeds identically everywhere. */
export function hashSeed(...parts: Array<string | number>): number {
  let hash = 0x811c9dc5;
  for (const char of parts.join('\u0000')) {
    hash ^= char.codePointAt(0)!;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

export function seededRandom(seed: number): SeededRandom {
  const rng = xoroshiro128plus(seed | 0);
  const float = () => uniformFloat64(rng);
  return {
    seed,
    float,
    between: (min, max) => min + (max - min) * float(),
    int: (min, max) => min + Math.floor(float() * (max - min + 1)),
    pick(items) {
      if (items.length === 0) throw new RangeError('cannot pick from an empty list');
      return items[Math.floor(float() * items.length)]!;
    },
    chance: (probability) => float() < probability,
    fork: (label) => seededRandom(hashSeed(seed, label)),
  };
}
