import type { PackageAppearance, PackageKind } from '../scene.ts';
import type { SeededRandom } from '../seeded-random.ts';

const cardboard = ['#b98b5a', '#c49a6c', '#a87b4f', '#d2ad7c', '#9c7048', '#bf9467', '#e0c9a6'];
const mailers = ['#f2f2f2', '#2b2b2b', '#3a6fb0', '#d9534f', '#f0ad4e', '#7e57c2', '#9e9e9e', '#e6e1d3'];
const envelopes = ['#f3e3a1', '#efe6cf', '#f7f1e1', '#d9c48a'];
const bags = ['#4f7d4a', '#c0392b', '#2c3e50', '#bdb2a0', '#e1d7c6'];

/** Plausible size ranges per kind (cm): across, depth, height. */
const sizes: Record<
  PackageKind,
  { across: [number, number]; depth: [number, number]; height: [number, number] }
> = {
  box: { across: [10, 26], depth: [10, 34], height: [6, 30] },
  'poly-mailer': { across: [16, 26], depth: [20, 32], height: [3, 9] },
  'padded-envelope': { across: [16, 25], depth: [1, 2.5], height: [22, 33] },
  letter: { across: [16, 24], depth: [0.4, 1], height: [11, 23] },
  tube: { across: [20, 27], depth: [6, 10], height: [6, 10] },
  bag: { across: [16, 26], depth: [14, 28], height: [12, 26] },
};

/** Kinds by how often they arrive in a real package room. */
export const kindWeights: Array<[PackageKind, number]> = [
  ['box', 0.45],
  ['poly-mailer', 0.2],
  ['padded-envelope', 0.12],
  ['letter', 0.08],
  ['tube', 0.05],
  ['bag', 0.1],
];

export function randomKind(random: SeededRandom): PackageKind {
  let roll = random.float();
  for (const [kind, weight] of kindWeights) {
    roll -= weight;
    if (roll < 0) return kind;
  }
  return 'box';
}

/** A random but plausible look for a package of `kind`, small enough for `maxCm`. */
export function randomAppearance(
  random: SeededRandom,
  kind: PackageKind = randomKind(random),
  maxCm: { across: number; depth: number; height: number } = { across: 27, depth: 40, height: 34 },
): PackageAppearance {
  const range = sizes[kind];
  const size = {
    across: Math.min(maxCm.across, random.between(...range.across)),
    depth: Math.min(maxCm.depth, random.between(...range.depth)),
    height: Math.min(maxCm.height, random.between(...range.height)),
  };
  const palette =
    kind === 'box'
      ? cardboard
      : kind === 'poly-mailer'
        ? mailers
        : kind === 'bag'
          ? bags
          : kind === 'tube'
            ? cardboard
            : envelopes;
  return {
    kind,
    sizeCm: { across: round(size.across), depth: round(size.depth), height: round(size.height) },
    colour: kind === 'letter' ? '#f8f8f4' : random.pick(palette),
    tape: kind === 'box' && random.chance(0.85),
    labelSeed: random.int(1, 2 ** 31 - 1),
  };
}

const round = (v: number) => Math.round(v * 10) / 10;
