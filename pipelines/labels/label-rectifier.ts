import {
  computeHomography,
  convexHull,
  minAreaRectangle,
  type Point2,
  polygonArea,
} from '../../calibration/index.ts';
import type { RawImage } from '../../models/index.ts';
import { warpPerspective } from './perspective-warp.ts';

export interface RectifiedLabel {
  /** The label cut out and made upright-ish (a multiple of 90° may remain), greyscale. */
  image: RawImage;
  /** The label's corners in the input image, clockwise from the one that became top left. */
  corners: Point2[];
  /** True when a label-shaped bright region was found; false means the whole image was kept. */
  found: boolean;
  /** How far the label was turned in the photo, degrees clockwise, within ±45. */
  skewDeg: number;
}

export interface RectifyOptions {
  /** Side the search for the label works at; the warp itself samples the full image. */
  searchSidePx: number;
  /** Height the label is resampled to, so small print reaches a size OCR reads well. */
  outputHeightPx: number;
  /** Never enlarge more than this: enlarging adds pixels to read, not detail. */
  maxUpscale: number;
}

export const defaultRectifyOptions: RectifyOptions = {
  searchSidePx: 360,
  outputHeightPx: 1400,
  maxUpscale: 2.5,
};

/**
 * Finds the label in a kiosk photo and warps it flat and upright.
 *
 * Label paper is the whitest thing in front of the camera: its darkest colour channel stays
 * high, where brown cardboard's blue channel and skin's are low. Thresholding that channel
 * (Otsu) and taking the largest region's convex hull gives the label's outline with its print,
 * barcodes and a covering thumb filled in; the four hull points furthest out along the
 * diagonals of the smallest enclosing rectangle are the corners, which also undoes a
 * perspective tilt.
 */
export function rectifyLabel(
  rgb: RawImage,
  grey: RawImage,
  options: Partial<RectifyOptions> = {},
): RectifiedLabel {
  const settings = { ...defaultRectifyOptions, ...options };
  const quad = findLabelQuad(rgb, settings.searchSidePx);
  if (!quad) return wholeImage(grey, settings);
  const [tl, tr, br, bl] = quad.corners as [Point2, Point2, Point2, Point2];
  const widthPx = (distance(tl, tr) + distance(bl, br)) / 2;
  const heightPx = (distance(tl, bl) + distance(tr, br)) / 2;
  const scale = Math.min(settings.maxUpscale, settings.outputHeightPx / Math.max(widthPx, heightPx));
  const outWidth = Math.max(16, Math.round(widthPx * scale));
  const outHeight = Math.max(16, Math.round(heightPx * scale));
  const outputToInput = computeHomography(
    [
      [0, 0],
      [outWidth - 1, 0],
      [outWidth - 1, outHeight - 1],
      [0, outHeight - 1],
    ],
    quad.corners,
  );
  return {
    image: warpPerspective(grey, outputToInput, outWidth, outHeight),
    corners: quad.corners,
    found: true,
    skewDeg: quad.skewDeg,
  };
}

function wholeImage(grey: RawImage, settings: RectifyOptions): RectifiedLabel {
  const { width, height } = grey;
  const scale = Math.min(settings.maxUpscale, settings.outputHeightPx / Math.max(width, height));
  const corners: Point2[] = [
    [0, 0],
    [width - 1, 0],
    [width - 1, height - 1],
    [0, height - 1],
  ];
  if (Math.abs(scale - 1) < 0.05) return { image: grey, corners, found: false, skewDeg: 0 };
  const outWidth = Math.round(width * scale);
  const outHeight = Math.round(height * scale);
  const outputToInput = computeHomography(
    [
      [0, 0],
      [outWidth - 1, 0],
      [outWidth - 1, outHeight - 1],
      [0, outHeight - 1],
    ],
    corners,
  );
  return {
    image: warpPerspective(grey, outputToInput, outWidth, outHeight),
    corners,
    found: false,
    skewDeg: 0,
  };
}

const distance = (a: Point2, b: Point2) => Math.hypot(a[0] - b[0], a[1] - b[1]);

/** The label's corners in full-image pixels, or undefined when nothing label-like stands out. */
export function findLabelQuad(
  rgb: RawImage,
  searchSidePx: number,
): { corners: Point2[]; skewDeg: number } | undefined {
  const step = Math.max(1, Math.max(rgb.width, rgb.height) / searchSidePx);
  const w = Math.floor(rgb.width / step);
  const h = Math.floor(rgb.height / step);
  const whiteness = new Uint8Array(w * h);
  const histogram = new Uint32Array(256);
  const { data, channels, width } = rgb;
  for (let y = 0; y < h; y++) {
    const row = Math.floor(y * step) * width;
    for (let x = 0; x < w; x++) {
      const p = (row + Math.floor(x * step)) * channels;
      const value = channels >= 3 ? Math.min(data[p]!, data[p + 1]!, data[p + 2]!) : data[p]!;
      whiteness[y * w + x] = value;
      histogram[value]!++;
    }
  }
  const region = paperRegion(whiteness, histogram, w, h);
  // Too small is a reflection; nearly the whole frame means the label fills the picture.
  if (!region || region.length < 0.04 * w * h || region.length > 0.92 * w * h) return undefined;
  const hull = convexHull(region);
  if (hull.length < 4 || polygonArea(hull) < 0.05 * w * h) return undefined;
  const corners = quadCorners(hull).map(([x, y]) => [(x + 0.5) * step, (y + 0.5) * step] as Point2);
  return { corners, skewDeg: skewOf(corners) };
}

/**
 * The label paper as the largest bright region: paper is the whitest thing before the camera.
 * On a pale table under uneven light it is only a little whiter than the table around it, so
 * the same is tried on whiteness relative to the neighbourhood, and the more label-like region
 * (filling its outline, clear of the photo's edges) wins.
 */
export function paperRegion(
  whiteness: Uint8Array,
  histogram: Uint32Array,
  w: number,
  h: number,
): Point2[] | undefined {
  const candidates: Point2[][] = [];
  let threshold = otsuThreshold(histogram, w * h, 0);
  const first = brightRegion(whiteness, w, h, threshold);
  if (first) candidates.push(first);
  // The first split is often "table and label" against the dark rest: splitting the bright
  // side again can separate the label.
  if (first && touchesEdges(first, w, h) >= 1) {
    let brightCount = 0;
    for (let v = threshold + 1; v < 256; v++) brightCount += histogram[v]!;
    threshold = otsuThreshold(histogram, brightCount, threshold + 1);
    const second = brightRegion(whiteness, w, h, threshold);
    if (second) candidates.push(second);
    const relative = relativeWhiteness(whiteness, w, h);
    const relativeHistogram = new Uint32Array(256);
    for (const v of relative) relativeHistogram[v]!++;
    // Whiter than the neighbourhood is the paper's side of 128; split that side alone.
    let whiterCount = 0;
    for (let v = 129; v < 256; v++) whiterCount += relativeHistogram[v]!;
    const third = brightRegion(relative, w, h, otsuThreshold(relativeHistogram, whiterCount, 129));
    if (third) candidates.push(third);
  }
  let best: Point2[] | undefined;
  let bestScore = -1;
  for (const region of candidates) {
    const score = labelLikeness(region, w, h);
    if (score > bestScore) {
      best = region;
      bestScore = score;
    }
  }
  return best;
}

/** Paper fills its outline and lies inside the photo; a patch of table does neither. */
export function labelLikeness(region: Point2[], w: number, h: number): number {
  if (region.length < 0.04 * w * h) return 0;
  const hull = convexHull(region);
  const hullArea = Math.max(1, polygonArea(hull));
  const rect = minAreaRectangle(hull);
  const fill =
    Math.min(1, region.length / hullArea) * Math.min(1, hullArea / Math.max(1, rect.width * rect.height));
  const edges = touchesEdges(region, w, h);
  return fill * (edges === 0 ? 1 : edges === 1 ? 0.6 : 0.2) * Math.sqrt(region.length / (w * h));
}

/** Whiteness minus the neighbourhood's mean, centred on 128: uneven light cancels out. */
export function relativeWhiteness(whiteness: Uint8Array, w: number, h: number): Uint8Array {
  const integral = new Float64Array((w + 1) * (h + 1));
  for (let y = 0; y < h; y++) {
    let rowSum = 0;
    for (let x = 0; x < w; x++) {
      rowSum += whiteness[y * w + x]!;
      integral[(y + 1) * (w + 1) + x + 1] = integral[y * (w + 1) + x + 1]! + rowSum;
    }
  }
  const r = Math.max(8, Math.round(Math.max(w, h) / 5));
  const out = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    const y0 = Math.max(0, y - r);
    const y1 = Math.min(h, y + r + 1);
    for (let x = 0; x < w; x++) {
      const x0 = Math.max(0, x - r);
      const x1 = Math.min(w, x + r + 1);
      const sum =
        integral[y1 * (w + 1) + x1]! -
        integral[y0 * (w + 1) + x1]! -
        integral[y1 * (w + 1) + x0]! +
        integral[y0 * (w + 1) + x0]!;
      const mean = sum / ((y1 - y0) * (x1 - x0));
      out[y * w + x] = Math.max(0, Math.min(255, 128 + 2 * (whiteness[y * w + x]! - mean)));
    }
  }
  return out;
}

/**
 * Extreme hull points along the enclosing rectangle's diagonals, ordered clockwise starting
 * from the corner nearest the photo's top-left after undoing the skew (so a label turned by
 * less than 45° comes out upright).
 */
function quadCorners(hull: readonly Point2[]): Point2[] {
  const rect = minAreaRectangle(hull);
  // Fold the rectangle's direction into ±45° so "up" stays the photo's up.
  let angle = rect.angleRad;
  while (angle > Math.PI / 4) angle -= Math.PI / 2;
  while (angle <= -Math.PI / 4) angle += Math.PI / 2;
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  const [cx, cy] = rect.centre;
  const local = hull.map(([x, y]) => {
    const dx = x - cx;
    const dy = y - cy;
    return { point: [x, y] as Point2, u: dx * cos + dy * sin, v: -dx * sin + dy * cos };
  });
  const extreme = (su: number, sv: number) =>
    local.reduce((best, p) => (su * p.u + sv * p.v > su * best.u + sv * best.v ? p : best)).point;
  // Image y grows downwards: top-left is (−u, −v).
  return [extreme(-1, -1), extreme(1, -1), extreme(1, 1), extreme(-1, 1)];
}

function skewOf(corners: Point2[]): number {
  const [tl, tr, br, bl] = corners as [Point2, Point2, Point2, Point2];
  const top = Math.atan2(tr[1] - tl[1], tr[0] - tl[0]);
  const bottom = Math.atan2(br[1] - bl[1], br[0] - bl[0]);
  return ((top + bottom) / 2) * (180 / Math.PI);
}

/** The largest bright region above `threshold`, ruled bars bridged. */
function brightRegion(whiteness: Uint8Array, w: number, h: number, threshold: number): Point2[] | undefined {
  const mask = new Uint8Array(w * h);
  for (let i = 0; i < mask.length; i++) mask[i] = whiteness[i]! > threshold ? 1 : 0;
  // Carriers rule their labels with full-width bars; without closing them the label falls
  // apart into bands and only the largest band would be read.
  return largestRegion(closeMask(mask, w, h, closingRadiusPx), w, h);
}

/** How many of the photo's four edges a region runs along for a fifth of their length or more. */
function touchesEdges(region: readonly Point2[], w: number, h: number): number {
  let top = 0;
  let bottom = 0;
  let left = 0;
  let right = 0;
  for (const [x, y] of region) {
    if (y === 0) top++;
    if (y === h - 1) bottom++;
    if (x === 0) left++;
    if (x === w - 1) right++;
  }
  return [top > w / 5, bottom > w / 5, left > h / 5, right > h / 5].filter(Boolean).length;
}

/** Otsu's threshold over the histogram's values from `from` up (`total` pixels among them). */
function otsuThreshold(histogram: Uint32Array, total: number, from: number): number {
  let sum = 0;
  for (let i = from; i < 256; i++) sum += i * histogram[i]!;
  let sumBelow = 0;
  let countBelow = 0;
  let best = from;
  let bestVariance = -1;
  for (let t = from; t < 256; t++) {
    countBelow += histogram[t]!;
    if (countBelow === 0) continue;
    const countAbove = total - countBelow;
    if (countAbove === 0) break;
    sumBelow += t * histogram[t]!;
    const meanBelow = sumBelow / countBelow;
    const meanAbove = (sum - sumBelow) / countAbove;
    const variance = countBelow * countAbove * (meanBelow - meanAbove) ** 2;
    if (variance > bestVariance) {
      bestVariance = variance;
      best = t;
    }
  }
  return best;
}

/** Ruled bars up to about this thick (at search resolution, ~4 px wide in a 360 px search) are bridged. */
const closingRadiusPx = 2;

/** Binary closing (dilate, then erode) with a square of side 2r+1, done as separable passes. */
export function closeMask(mask: Uint8Array, w: number, h: number, r: number): Uint8Array {
  const pass = (source: Uint8Array, keep: 0 | 1, horizontal: boolean): Uint8Array => {
    // keep = 1 dilates (any 1 in reach makes 1); keep = 0 erodes (any 0 in reach makes 0).
    const out = new Uint8Array(source.length);
    const [outer, inner] = horizontal ? [h, w] : [w, h];
    for (let a = 0; a < outer; a++) {
      for (let b = 0; b < inner; b++) {
        let value = keep ? 0 : 1;
        for (let k = Math.max(0, b - r); k <= Math.min(inner - 1, b + r); k++) {
          const v = source[horizontal ? a * w + k : k * w + a]!;
          if (v === keep) {
            value = keep;
            break;
          }
        }
        out[horizontal ? a * w + b : b * w + a] = value;
      }
    }
    return out;
  };
  const dilated = pass(pass(mask, 1, true), 1, false);
  return pass(pass(dilated, 0, true), 0, false);
}

/** Pixels of the largest 4-connected region of 1s, as points. */
function largestRegion(mask: Uint8Array, w: number, h: number): Point2[] | undefined {
  const label = new Int32Array(w * h);
  const stack: number[] = [];
  let best: Point2[] | undefined;
  let next = 0;
  for (let start = 0; start < mask.length; start++) {
    if (!mask[start] || label[start]) continue;
    next++;
    const points: Point2[] = [];
    label[start] = next;
    stack.push(start);
    while (stack.length > 0) {
      const p = stack.pop()!;
      const x = p % w;
      const y = (p - x) / w;
      points.push([x, y]);
      if (x > 0 && mask[p - 1] && !label[p - 1]) {
        label[p - 1] = next;
        stack.push(p - 1);
      }
      if (x < w - 1 && mask[p + 1] && !label[p + 1]) {
        label[p + 1] = next;
        stack.push(p + 1);
      }
      if (y > 0 && mask[p - w] && !label[p - w]) {
        label[p - w] = next;
        stack.push(p - w);
      }
      if (y < h - 1 && mask[p + w] && !label[p + w]) {
        label[p + w] = next;
        stack.push(p + w);
      }
    }
    if (!best || points.length > best.length) best = points;
  }
  return best;
}
