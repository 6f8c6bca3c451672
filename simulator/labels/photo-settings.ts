import type { SeededRandom } from '../seeded-random.ts';
import type { LabelDifficulty } from './label-truth.ts';
import type { BackgroundKind } from './photo-background.ts';

/** Every choice the kiosk photo makes, drawn up front so a label's photo is one seed away. */
export interface PhotoSettings {
  photoWidth: number;
  photoHeight: number;
  /** Clockwise, degrees. */
  rotationDeg: number;
  /** Projective tilt: corners toward `tiltDeg` shrink by about this fraction. */
  tilt: number;
  tiltDeg: number;
  /** How much of the photo the label's bounding box may fill (0..1). */
  fill: number;
  /** Label pixels. */
  curl: number;
  /** Photo pixels. */
  blur: number;
  glare: boolean;
  glareStrength: number;
  noise: number;
  jpegQuality: number;
  brightness: number;
  /** Light fall-off across the photo along x and y. */
  gradientX: number;
  gradientY: number;
  whiteBalance: [number, number, number];
  inkLevel: number;
  paper: [number, number, number];
  background: BackgroundKind;
  tape: boolean;
  occlude: boolean;
}

interface Ranges {
  rotation: (random: SeededRandom) => number;
  tilt: [number, number];
  fill: [number, number];
  curl: (random: SeededRandom) => number;
  blur: [number, number];
  glare: number;
  noise: [number, number];
  jpeg: [number, number];
  brightness: [number, number];
  gradient: number;
  whiteBalance: number;
  ink: [number, number];
  occlusion: number;
}

/** Signed, so that ±range is symmetric. */
const within = (random: SeededRandom, range: number) => random.between(-range, range);

/**
 * 'clean': flat and square on. 'realistic': what a kiosk camera sees on an ordinary day, the
 * evaluation's mix. 'hard': any angle, steep tilt, curl, blur and faded print, yet still
 * readable by a person.
 */
const ranges: Record<LabelDifficulty, Ranges> = {
  clean: {
    rotation: (random) => within(random, 5),
    tilt: [0, 0.03],
    fill: [0.86, 0.96],
    curl: () => 0,
    blur: [0, 0.4],
    glare: 0,
    noise: [1, 2.5],
    jpeg: [86, 92],
    brightness: [0.96, 1.04],
    gradient: 0.08,
    whiteBalance: 0.03,
    ink: [0, 20],
    occlusion: 0,
  },
  realistic: {
    // A courier holds the label roughly upright, and now and then the wrong way up.
    rotation: (random) => within(random, 25) + (random.chance(0.15) ? 180 : 0),
    tilt: [0, 0.12],
    fill: [0.8, 0.96],
    curl: (random) => (random.chance(0.5) ? random.between(2, 14) : 0),
    blur: [0, 1.1],
    glare: 0.3,
    noise: [2, 5],
    jpeg: [72, 92],
    brightness: [0.8, 1.08],
    gradient: 0.25,
    whiteBalance: 0.07,
    ink: [0, 50],
    occlusion: 0.25,
  },
  hard: {
    rotation: (random) => random.between(-180, 180),
    tilt: [0.06, 0.2],
    fill: [0.74, 0.94],
    curl: (random) => random.between(6, 28),
    blur: [0.8, 1.7],
    glare: 0.6,
    noise: [4, 8],
    jpeg: [70, 82],
    brightness: [0.64, 1.1],
    gradient: 0.45,
    whiteBalance: 0.12,
    ink: [20, 80],
    occlusion: 0.25,
  },
};

const between = (random: SeededRandom, [min, max]: [number, number]) => random.between(min, max);

export function drawPhotoSettings(difficulty: LabelDifficulty, random: SeededRandom): PhotoSettings {
  const r = ranges[difficulty];
  const large = random.chance(0.3);
  const background: BackgroundKind = random.chance(0.7) ? 'cardboard' : 'table';
  const paperTone = random.between(236, 250);
  const blur = between(random, r.blur);
  return {
    photoWidth: large ? 1600 : 1280,
    photoHeight: large ? 1200 : 960,
    rotationDeg: normaliseDeg(r.rotation(random)),
    tilt: between(random, r.tilt),
    tiltDeg: random.between(0, 360),
    fill: between(random, r.fill),
    curl: r.curl(random),
    // Below 0.3 px a blur is invisible (and sharp refuses it).
    blur: blur < 0.3 ? 0 : blur,
    glare: random.chance(r.glare),
    glareStrength: random.between(0.55, 0.95),
    noise: between(random, r.noise),
    jpegQuality: Math.round(between(random, r.jpeg)),
    brightness: between(random, r.brightness),
    gradientX: within(random, r.gradient),
    gradientY: within(random, r.gradient),
    whiteBalance: [1 + within(random, r.whiteBalance), 1, 1 + within(random, r.whiteBalance)],
    inkLevel: between(random, r.ink),
    // Thermal paper is a slightly cool or warm white.
    paper: [paperTone, paperTone - random.between(0, 3), paperTone - random.between(0, 8)],
    background,
    tape: background === 'cardboard' && random.chance(0.5),
    occlude: random.chance(r.occlusion),
  };
}

/** Into (-180, 180]. */
export function normaliseDeg(deg: number): number {
  const d = (((deg % 360) + 360) % 360) - 360;
  return d <= -180 ? d + 360 : d;
}
