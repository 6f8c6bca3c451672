import type { SeededRandom } from '../seeded-random.ts';

/** One of `options`, each drawn in proportion to its weight (weights need not sum to 1). */
export function pickWeighted<T>(random: SeededRandom, options: ReadonlyArray<readonly [T, number]>): T {
  const total = options.reduce((sum, [, weight]) => sum + weight, 0);
  let roll = random.float() * total;
  for (const [value, weight] of options) {
    roll -= weight;
    if (roll < 0) return value;
  }
  return options.at(-1)![0];
}
