import { NoiseTile } from '../render/textures.ts';
import type { SeededRandom } from '../seeded-random.ts';

export type BackgroundKind = 'cardboard' | 'table';

type Rgb = [number, number, number];

const cardboardColours: Rgb[] = [
  [181, 138, 92],
  [168, 126, 84],
  [193, 155, 110],
  [158, 120, 82],
];
const tableColours: Rgb[] = [
  [128, 92, 62], // oak
  [92, 64, 44], // walnut
  [172, 170, 164], // grey laminate
  [214, 210, 200], // white desk
];

/**
 * What the label lies on, as RGB: corrugated cardboard with fibres and specks, or a table
 * (wood grain or a plain laminate). Value noise keeps it cheap enough to paint per label.
 */
export function paintBackground(
  width: number,
  height: number,
  kind: BackgroundKind,
  random: SeededRandom,
): Uint8Array {
  const rgb = new Uint8Array(width * height * 3);
  const noise = new NoiseTile(random.int(0, 2 ** 31 - 1));
  const base = kind === 'cardboard' ? random.pick(cardboardColours) : random.pick(tableColours);
  const jitter = 0.92 + random.float() * 0.16;
  const [r, g, b] = base.map((c) => c * jitter) as Rgb;
  const wood = kind === 'table' && (base === tableColours[0] || base === tableColours[1]);
  const grainAngle = random.between(0, Math.PI);
  const ca = Math.cos(grainAngle);
  const sa = Math.sin(grainAngle);
  const offset = random.between(0, 256);
  for (let y = 0; y < height; y++) {
    for (let x = 0, o = y * width * 3; x < width; x++, o += 3) {
      // Along-grain coordinate u stretched so fibres and wood grain run one way.
      const u = x * ca + y * sa;
      const v = -x * sa + y * ca;
      let k: number;
      // Frequencies are per pixel of the half-size backdrop the caller upscales.
      if (kind === 'cardboard') {
        const blotch = noise.smooth(x * 0.012 + offset, y * 0.012);
        const fibre = noise.at(u * 0.15, v * 1.2 + offset);
        const speck = noise.at(x * 1.3, y * 1.3) > 0.95 ? -0.14 : 0;
        // Corrugation shows through the liner as faint parallel bands.
        const flute = Math.sin(v * 0.35) * 0.012;
        k = 1 + 0.09 * blotch + 0.035 * fibre + speck + flute;
      } else if (wood) {
        // Boards across the grain, each with its own tone and its own growth rings.
        const board = Math.floor((v + offset * 4) / 90);
        const seam = (v + offset * 4) % 90 < 1.5 ? -0.25 : 0;
        const tone = noise.at(board * 7.3, 3.1) * 0.08;
        const ring = Math.sin(v * 0.16 + board * 2.1 + 5 * noise.smooth(u * 0.004 + board * 9, v * 0.02));
        k = 1 + tone + 0.06 * ring + 0.02 * noise.at(u * 0.08, v * 0.8) + seam;
      } else {
        k = 1 + 0.03 * noise.smooth(x * 0.02 + offset, y * 0.02) + 0.02 * noise.at(x, y);
      }
      rgb[o] = clamp(r * k);
      rgb[o + 1] = clamp(g * k);
      rgb[o + 2] = clamp(b * k);
    }
  }
  return rgb;
}

/**
 * Brown packing tape across the box: labels are often stuck over the seam. Translucent, with
 * a glossy streak along it.
 */
export function paintTape(rgb: Uint8Array, width: number, height: number, random: SeededRandom): void {
  const horizontal = random.chance(0.5);
  const across = horizontal ? height : width;
  const centre = random.between(0.15, 0.85) * across;
  const halfWidth = random.between(0.09, 0.14) * across;
  const slope = random.between(-0.06, 0.06);
  const shine = random.between(-0.5, 0.5) * halfWidth;
  const tint: Rgb = [0.86, 0.74, 0.52];
  for (let y = 0; y < height; y++) {
    for (let x = 0, o = y * width * 3; x < width; x++, o += 3) {
      const along = horizontal ? x : y;
      const at = horizontal ? y : x;
      const d = at - (centre + slope * along);
      if (Math.abs(d) > halfWidth) continue;
      const edge = halfWidth - Math.abs(d) < 2 ? 0.85 : 1;
      const gloss = Math.exp(-(((d - shine) / (halfWidth * 0.18)) ** 2)) * 38;
      rgb[o] = clamp(rgb[o]! * tint[0] * edge + gloss);
      rgb[o + 1] = clamp(rgb[o + 1]! * tint[1] * edge + gloss);
      rgb[o + 2] = clamp(rgb[o + 2]! * tint[2] * edge + gloss);
    }
  }
}

const clamp = (v: number) => Math.min(255, Math.max(0, v));
