/**
 * Text boxes from the probability map of a DB (Differentiable Binarization) text detector, as
 * PP-OCR's DBPostProcess does it in "fast" score mode: threshold the map, take each connected
 * region, fit the smallest rotated rectangle, keep it when the map is confident inside it, and
 * grow it back out (the model is trained to predict a shrunken text kernel).
 */

import {
  convexHull,
  minAreaRectangle,
  type Point2,
  rectangleCorners,
} from '../../calibration/geometry/index.ts';

// Kept importable from here: the OCR code and its tests name it with the text boxes.
export { rectangleCorners };

/** A rotated rectangle; `width` runs along `angleRad`, which is within ±π/4 of horizontal. */
export interface RotatedBox {
  centre: Point2;
  width: number;
  height: number;
  angleRad: number;
  /** Mean probability inside the box before it was grown. */
  score: number;
}

export interface DbPostprocessOptions {
  /** Map values above this are text (PP-OCR's det_db_thresh, 0.3). */
  binaryThreshold: number;
  /** A region is kept when its mean probability reaches this (det_db_box_thresh, 0.6). */
  boxThreshold: number;
  /** How far the kernel is grown: offset = area × ratio / perimeter (det_db_unclip_ratio, 1.5). */
  unclipRatio: number;
  /** Regions after the first this many are ignored (PP-OCR's max_candidates, 1000). */
  maxCandidates: number;
  /** Kernels whose short side is below this, in map pixels, are noise (PP-OCR's min_size, 3). */
  minSidePx: number;
}

export const defaultDbPostprocessOptions: DbPostprocessOptions = {
  binaryThreshold: 0.3,
  boxThreshold: 0.6,
  unclipRatio: 1.5,
  maxCandidates: 1000,
  minSidePx: 3,
};

/**
 * Boxes in the map's continuous pixel coordinates (pixel (i, j) covers [i, i+1) × [j, j+1)).
 * `probabilities` is the row-major `width × height` map.
 */
export function textBoxesFromProbabilityMap(
  probabilities: Float32Array,
  width: number,
  height: number,
  options: DbPostprocessOptions = defaultDbPostprocessOptions,
): RotatedBox[] {
  if (probabilities.length !== width * height)
    throw new RangeError(
      `a ${width}×${height} map needs ${width * height} values, got ${probabilities.length}`,
    );
  const labels = new Int32Array(width * height);
  for (let i = 0; i < labels.length; i++) labels[i] = probabilities[i]! > options.binaryThreshold ? -1 : 0;
  const stack = new Int32Array(width * height);
  // Per-row extremes of the current region: the convex hull of a region is the hull of its
  // leftmost and rightmost pixel on each row, so no contour tracing is needed.
  const rowMin = new Int32Array(height).fill(width);
  const rowMax = new Int32Array(height).fill(-1);
  const boxes: RotatedBox[] = [];
  let regions = 0;
  for (let seed = 0; seed < labels.length && regions < options.maxCandidates; seed++) {
    if (labels[seed] !== -1) continue;
    regions++;
    labels[seed] = regions;
    let top = 0;
    stack[top++] = seed;
    let minY = height;
    let maxY = -1;
    let pixels = 0;
    while (top > 0) {
      const index = stack[--top]!;
      const x = index % width;
      const y = (index - x) / width;
      pixels++;
      if (x < rowMin[y]!) rowMin[y] = x;
      if (x > rowMax[y]!) rowMax[y] = x;
      if (y < minY) minY = y;
      if (y > maxY) maxY = y;
      // 8-connected, as OpenCV's contour tracing that PP-OCR uses sees regions.
      for (let dy = -1; dy <= 1; dy++) {
        const ny = y + dy;
        if (ny < 0 || ny >= height) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const nx = x + dx;
          if (nx < 0 || nx >= width) continue;
          const next = ny * width + nx;
          if (labels[next] === -1) {
            labels[next] = regions;
            stack[top++] = next;
          }
        }
      }
    }
    const extremes: Point2[] = [];
    for (let y = minY; y <= maxY; y++) {
      // Pixel centres, as OpenCV's contour points are; the unclip ratio is calibrated on them.
      extremes.push([rowMin[y]! + 0.5, y + 0.5]);
      if (rowMax[y]! !== rowMin[y]!) extremes.push([rowMax[y]! + 0.5, y + 0.5]);
      rowMin[y] = width;
      rowMax[y] = -1;
    }
    if (pixels < options.minSidePx * options.minSidePx) continue;
    const kernel = levelRectangle(minAreaRectangle(convexHull(extremes)));
    if (Math.min(kernel.width, kernel.height) < options.minSidePx) continue;
    const score = meanInside(probabilities, width, height, kernel);
    if (score < options.boxThreshold) continue;
    // Offsetting a rectangle by d (pyclipper's round join in PP-OCR) and taking the smallest
    // rectangle around the result is the same rectangle grown by d on every side.
    const offset =
      (kernel.width * kernel.height * options.unclipRatio) / (2 * (kernel.width + kernel.height));
    const grown = { ...kernel, width: kernel.width + 2 * offset, height: kernel.height + 2 * offset };
    if (Math.min(grown.width, grown.height) < options.minSidePx + 2) continue;
    boxes.push({ ...grown, score });
  }
  return boxes;
}

/** Turns the rectangle so that its `width` side is the one within ±π/4 of horizontal. */
export function levelRectangle(rectangle: {
  centre: Point2;
  width: number;
  height: number;
  angleRad: number;
}): {
  centre: Point2;
  width: number;
  height: number;
  angleRad: number;
} {
  let { width, height, angleRad } = rectangle;
  while (angleRad > Math.PI / 2) angleRad -= Math.PI;
  while (angleRad <= -Math.PI / 2) angleRad += Math.PI;
  if (Math.abs(angleRad) > Math.PI / 4) {
    [width, height] = [height, width];
    angleRad -= Math.sign(angleRad) * (Math.PI / 2);
  }
  return { centre: rectangle.centre, width, height, angleRad };
}

/** Mean map value over the pixels whose centres fall in the rectangle (edges included). */
function meanInside(
  probabilities: Float32Array,
  width: number,
  height: number,
  box: { centre: Point2; width: number; height: number; angleRad: number },
): number {
  const corners = rectangleCorners(box);
  const xs = corners.map((c) => c[0]);
  const ys = corners.map((c) => c[1]);
  const x0 = Math.max(0, Math.floor(Math.min(...xs)));
  const x1 = Math.min(width - 1, Math.ceil(Math.max(...xs)));
  const y0 = Math.max(0, Math.floor(Math.min(...ys)));
  const y1 = Math.min(height - 1, Math.ceil(Math.max(...ys)));
  const cos = Math.cos(box.angleRad);
  const sin = Math.sin(box.angleRad);
  // Half a pixel of slack, as OpenCV's fillPoly marks every pixel the outline touches.
  const halfU = box.width / 2 + 0.5;
  const halfV = box.height / 2 + 0.5;
  let sum = 0;
  let count = 0;
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const dx = x + 0.5 - box.centre[0];
      const dy = y + 0.5 - box.centre[1];
      if (Math.abs(dx * cos + dy * sin) > halfU || Math.abs(-dx * sin + dy * cos) > halfV) continue;
      sum += probabilities[y * width + x]!;
      count++;
    }
  }
  return count === 0 ? 0 : sum / count;
}
