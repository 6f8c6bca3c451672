import {
  computeHomography,
  convexHull,
  minAreaRectangle,
  type Point2,
  polygonArea,
  rectangleCorners,
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
  const ink = inkMask(rgb, step, w, h);
  const region = paperRegion(whiteness, histogram, w, h, ink);
  // Too small is a reflection; nearly the whole frame means the label fills the picture.
  if (!region || region.length < 0.04 * w * h || region.length > 0.92 * w * h) return undefined;
  let hull = convexHull(region);
  if (hull.length < 4 || polygonArea(hull) < 0.05 * w * h) return undefined;
  // A region that does not fill its outline is paper and table mixed, or part of the label: its
  // corners mean little. The print near it is set square to the label, so its smallest
  // enclosing rectangle, with a margin, stands for the label.
  // Likewise a region whose corners are far from square (a tilted label is only a few degrees
  // off): part of the label lies in light as dim as the table.
  if (region.length < irregularFill * polygonArea(hull) || !squareEnough(quadCorners(hull))) {
    const printRect = printRectangle(ink, hull, w, h);
    if (printRect) hull = printRect;
  }
  const corners = quadCorners(hull).map(([x, y]) => [(x + 0.5) * step, (y + 0.5) * step] as Point2);
  return { corners, skewDeg: skewOf(corners) };
}

/**
 * The label paper: a bright region that fills its outline and holds the print. Paper is the
 * whitest thing before the camera, but on a pale table under uneven light it is only a little
 * whiter than the table, and no one threshold fits every photo. So the bright regions above a
 * ladder of thresholds (from Otsu's split up to the paper's own brightness) are compared, with
 * one more on whiteness relative to the neighbourhood, and the most label-like wins: it holds
 * the photo's strong edges (text, barcodes), fills its convex outline, and runs off at most one
 * edge of the photo (a label held close does; a table runs off two or more).
 */
function paperRegion(
  whiteness: Uint8Array,
  histogram: Uint32Array,
  w: number,
  h: number,
  ink: Uint8Array,
): Point2[] | undefined {
  const otsu = otsuThreshold(histogram, w * h, 0);
  let brightest = 255;
  for (let v = 255, count = 0; v > 0; v--) {
    count += histogram[v]!;
    if (count >= 0.01 * w * h) {
      brightest = v;
      break;
    }
  }
  const thresholds = new Set<number>();
  for (let k = 0; k < thresholdSteps; k++)
    thresholds.add(Math.round(otsu + ((brightest - otsu) * k) / thresholdSteps));
  const candidates: Point2[][] = [];
  for (const threshold of thresholds) {
    const region = brightRegion(whiteness, w, h, threshold);
    if (region && region.length >= 0.04 * w * h) candidates.push(region);
  }
  const relative = relativeWhiteness(whiteness, w, h);
  const relativeHistogram = new Uint32Array(256);
  for (const v of relative) relativeHistogram[v]!++;
  let whiterCount = 0;
  for (let v = 129; v < 256; v++) whiterCount += relativeHistogram[v]!;
  const fromRelative = brightRegion(relative, w, h, otsuThreshold(relativeHistogram, whiterCount, 129));
  if (fromRelative) candidates.push(fromRelative);

  let inkTotal = 0;
  for (const v of ink) inkTotal += v;
  let best: { region: Point2[]; coverage: number } | undefined;
  let bestScore = -1;
  for (const region of candidates) {
    const { score, coverage } = labelLikeness(region, w, h, ink, inkTotal);
    if (score > bestScore) {
      best = { region, coverage };
      bestScore = score;
    }
  }
  // Where part of the label is as bright as the table around it, the best region is only part
  // of the label; the print it leaves out still shows where the rest of the label is.
  if (best && best.coverage < 0.9) {
    const outside: Point2[] = [];
    const inside = rasterizeConvex(convexHull(best.region), w, h);
    for (let i = 0; i < ink.length; i++) if (ink[i] && !inside[i]) outside.push([i % w, Math.floor(i / w)]);
    return [...best.region, ...outside];
  }
  return best?.region;
}

const thresholdSteps = 10;
/** Every corner within 25° of a right angle: perspective on a held label bends them less. */
function squareEnough(corners: readonly Point2[]): boolean {
  for (let i = 0; i < 4; i++) {
    const [px, py] = corners[(i + 3) % 4]!;
    const [cx, cy] = corners[i]!;
    const [nx, ny] = corners[(i + 1) % 4]!;
    const a = Math.atan2(py - cy, px - cx);
    const b = Math.atan2(ny - cy, nx - cx);
    let angle = Math.abs(((a - b) * 180) / Math.PI) % 360;
    if (angle > 180) angle = 360 - angle;
    if (Math.abs(angle - 90) > 25) return false;
  }
  return true;
}

/** Below this share of its convex outline a region is not one sheet of paper. */
const irregularFill = 0.8;

/**
 * The rectangle around the print within reach of `hull` (a quarter of its size), grown by 3 %
 * on each side for the label's margin, or undefined when there is too little print.
 */
function printRectangle(
  ink: Uint8Array,
  hull: readonly Point2[],
  w: number,
  h: number,
): Point2[] | undefined {
  const reach = Math.round(0.25 * Math.sqrt(polygonArea(hull)));
  const near = dilate(rasterizeConvex(hull, w, h), w, h, reach);
  const points: Point2[] = [];
  for (let i = 0; i < ink.length; i++) if (ink[i] && near[i]) points.push([i % w, Math.floor(i / w)]);
  if (points.length < 50) return undefined;
  const rect = minAreaRectangle(convexHull(points));
  return rectangleCorners({ ...rect, width: rect.width * 1.06, height: rect.height * 1.06 });
}

/** Binary dilation by a (2r+1)² square, with an integral image. */
function dilate(mask: Uint8Array, w: number, h: number, r: number): Uint8Array {
  const out = new Uint8Array(w * h);
  forEachWindow(mask, w, h, r, (i, sum) => {
    out[i] = sum > 0 ? 1 : 0;
  });
  return out;
}

/**
 * Calls `visit` for every pixel with the sum of `values` over the (2r+1)² square around it
 * (cut at the image's edges) and that square's area, in one pass over an integral image.
 */
function forEachWindow(
  values: Uint8Array,
  w: number,
  h: number,
  r: number,
  visit: (index: number, sum: number, area: number) => void,
): void {
  const stride = w + 1;
  const integral = new Float64Array(stride * (h + 1));
  for (let y = 0; y < h; y++) {
    let rowSum = 0;
    for (let x = 0; x < w; x++) {
      rowSum += values[y * w + x]!;
      integral[(y + 1) * stride + x + 1] = integral[y * stride + x + 1]! + rowSum;
    }
  }
  for (let y = 0; y < h; y++) {
    const y0 = Math.max(0, y - r);
    const y1 = Math.min(h, y + r + 1);
    for (let x = 0; x < w; x++) {
      const x0 = Math.max(0, x - r);
      const x1 = Math.min(w, x + r + 1);
      const sum =
        integral[y1 * stride + x1]! -
        integral[y0 * stride + x1]! -
        integral[y1 * stride + x0]! +
        integral[y0 * stride + x0]!;
      visit(y * w + x, sum, (y1 - y0) * (x1 - x0));
    }
  }
}

/** How label-like a bright region is, 0..1 (see paperRegion). */
function labelLikeness(
  region: Point2[],
  w: number,
  h: number,
  ink: Uint8Array,
  inkTotal: number,
): { score: number; coverage: number } {
  const none = { score: 0, coverage: 0 };
  if (region.length < 0.04 * w * h || region.length > 0.92 * w * h) return none;
  const hull = convexHull(region);
  if (hull.length < 3) return none;
  const hullArea = Math.max(1, polygonArea(hull));
  const rect = minAreaRectangle(hull);
  const fill =
    Math.min(1, region.length / hullArea) * Math.min(1, hullArea / Math.max(1, rect.width * rect.height));
  const inside = rasterizeConvex(hull, w, h);
  let inkInside = 0;
  for (let i = 0; i < ink.length; i++) if (ink[i] && inside[i]) inkInside++;
  const coverage = inkTotal > 0 ? inkInside / inkTotal : 1;
  const edges = touchesEdges(region, w, h);
  return { score: fill * coverage * coverage * (edges === 0 ? 1 : edges === 1 ? 0.9 : 0.3), coverage };
}

/** A convex polygon filled into a w×h mask, row by row. */
function rasterizeConvex(polygon: readonly Point2[], w: number, h: number): Uint8Array {
  const mask = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    const cy = y + 0.5;
    let left = Number.POSITIVE_INFINITY;
    let right = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < polygon.length; i++) {
      const [ax, ay] = polygon[i]!;
      const [bx, by] = polygon[(i + 1) % polygon.length]!;
      if ((ay <= cy && by >= cy) || (by <= cy && ay >= cy)) {
        const x = ay === by ? Math.min(ax, bx) : ax + ((cy - ay) / (by - ay)) * (bx - ax);
        const x2 = ay === by ? Math.max(ax, bx) : x;
        left = Math.min(left, x, x2);
        right = Math.max(right, x, x2);
      }
    }
    if (left > right) continue;
    for (let x = Math.max(0, Math.floor(left)); x <= Math.min(w - 1, Math.ceil(right)); x++)
      mask[y * w + x] = 1;
  }
  return mask;
}

/** Strong edges between neighbours at search resolution: print, barcodes, the label's rules. */
function inkMask(rgb: RawImage, step: number, w: number, h: number): Uint8Array {
  const { data, channels, width } = rgb;
  const luma = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    const row = Math.floor(y * step) * width;
    for (let x = 0; x < w; x++) {
      const p = (row + Math.floor(x * step)) * channels;
      luma[y * w + x] =
        channels >= 3 ? (data[p]! * 77 + data[p + 1]! * 150 + data[p + 2]! * 29) >> 8 : data[p]!;
    }
  }
  const ink = new Uint8Array(w * h);
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      const i = y * w + x;
      const g = Math.abs(luma[i + 1]! - luma[i - 1]!) + Math.abs(luma[i + w]! - luma[i - w]!);
      ink[i] = g >= inkEdgeLevels ? 1 : 0;
    }
  }
  // A speck of grain or noise is alone; print comes in strokes.
  const strokes = new Uint8Array(w * h);
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      const i = y * w + x;
      if (!ink[i]) continue;
      const neighbours =
        ink[i - 1]! +
        ink[i + 1]! +
        ink[i - w]! +
        ink[i + w]! +
        ink[i - w - 1]! +
        ink[i - w + 1]! +
        ink[i + w - 1]! +
        ink[i + w + 1]!;
      strokes[i] = neighbours >= 2 ? 1 : 0;
    }
  }
  return strokes;
}

const inkEdgeLevels = 60;

/** Whiteness minus the neighbourhood's mean, centred on 128: uneven light cancels out. */
function relativeWhiteness(whiteness: Uint8Array, w: number, h: number): Uint8Array {
  const r = Math.max(8, Math.round(Math.max(w, h) / 5));
  const out = new Uint8Array(w * h);
  forEachWindow(whiteness, w, h, r, (i, sum, area) => {
    out[i] = Math.max(0, Math.min(255, 128 + 2 * (whiteness[i]! - sum / area)));
  });
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
