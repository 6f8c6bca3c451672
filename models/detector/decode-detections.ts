import type { LetterboxTransform } from './letterbox.ts';

export interface Detection {
  /** Box in the original image's pixels, top-left origin. */
  x: number;
  y: number;
  width: number;
  height: number;
  classId: number;
  score: number;
}

export interface DecodeOptions {
  scoreThreshold: number;
  iouThreshold: number;
  maxDetections: number;
}

/**
 * Reads the standard detection export `[1, 4 + classes, anchors]` (centre x, centre y, width,
 * height in input pixels, then one score per class), keeps each anchor's best class above the
 * threshold, runs class-aware non-maximum suppression, and maps boxes back through the
 * letterbox. One pass over the tensor into typed arrays; no object per candidate until the end.
 */
export function decodeDetections(
  output: Float32Array,
  classes: number,
  anchors: number,
  transform: LetterboxTransform,
  options: DecodeOptions,
): Detection[] {
  if (output.length !== (4 + classes) * anchors)
    throw new RangeError(`output has ${output.length} values, expected (4 + ${classes}) × ${anchors}`);
  const { scoreThreshold } = options;
  // Candidates: indices into the arrays below, kept in parallel typed arrays.
  const x1 = new Float32Array(anchors);
  const y1 = new Float32Array(anchors);
  const x2 = new Float32Array(anchors);
  const y2 = new Float32Array(anchors);
  const score = new Float32Array(anchors);
  const cls = new Int32Array(anchors);
  let count = 0;
  for (let a = 0; a < anchors; a++) {
    let best = scoreThreshold;
    let bestClass = -1;
    for (let c = 0; c < classes; c++) {
      const s = output[(4 + c) * anchors + a]!;
      if (s > best) {
        best = s;
        bestClass = c;
      }
    }
    if (bestClass < 0) continue;
    const cx = output[a]!;
    const cy = output[anchors + a]!;
    const w = output[2 * anchors + a]!;
    const h = output[3 * anchors + a]!;
    if (!(w > 0 && h > 0)) continue;
    x1[count] = cx - w / 2;
    y1[count] = cy - h / 2;
    x2[count] = cx + w / 2;
    y2[count] = cy + h / 2;
    score[count] = best;
    cls[count] = bestClass;
    count++;
  }
  const keep = nonMaximumSuppression(
    x1,
    y1,
    x2,
    y2,
    score,
    cls,
    count,
    options.iouThreshold,
    options.maxDetections,
  );
  const { scale, padX, padY, sourceWidth, sourceHeight } = transform;
  const clampX = (v: number) => Math.min(sourceWidth, Math.max(0, v));
  const clampY = (v: number) => Math.min(sourceHeight, Math.max(0, v));
  const detections: Detection[] = [];
  for (const i of keep) {
    const left = clampX((x1[i]! - padX) / scale);
    const top = clampY((y1[i]! - padY) / scale);
    const right = clampX((x2[i]! - padX) / scale);
    const bottom = clampY((y2[i]! - padY) / scale);
    if (right - left < 1 || bottom - top < 1) continue;
    detections.push({
      x: left,
      y: top,
      width: right - left,
      height: bottom - top,
      classId: cls[i]!,
      score: score[i]!,
    });
  }
  return detections;
}

/**
 * Greedy NMS, per class: highest score first, dropping boxes of the same class that overlap a
 * kept one by more than `iouThreshold`. Returns kept indices, best first.
 */
export function nonMaximumSuppression(
  x1: Float32Array,
  y1: Float32Array,
  x2: Float32Array,
  y2: Float32Array,
  score: Float32Array,
  cls: Int32Array,
  count: number,
  iouThreshold: number,
  maxDetections: number,
): number[] {
  const order = new Uint32Array(count);
  for (let i = 0; i < count; i++) order[i] = i;
  order.sort((a, b) => score[b]! - score[a]!);
  const suppressed = new Uint8Array(count);
  const kept: number[] = [];
  for (let oi = 0; oi < count && kept.length < maxDetections; oi++) {
    const i = order[oi]!;
    if (suppressed[i]) continue;
    kept.push(i);
    const areaI = (x2[i]! - x1[i]!) * (y2[i]! - y1[i]!);
    for (let oj = oi + 1; oj < count; oj++) {
      const j = order[oj]!;
      if (suppressed[j] || cls[j] !== cls[i]) continue;
      const w = Math.min(x2[i]!, x2[j]!) - Math.max(x1[i]!, x1[j]!);
      if (w <= 0) continue;
      const h = Math.min(y2[i]!, y2[j]!) - Math.max(y1[i]!, y1[j]!);
      if (h <= 0) continue;
      const inter = w * h;
      const areaJ = (x2[j]! - x1[j]!) * (y2[j]! - y1[j]!);
      if (inter / (areaI + areaJ - inter) > iouThreshold) suppressed[j] = 1;
    }
  }
  return kept;
}
