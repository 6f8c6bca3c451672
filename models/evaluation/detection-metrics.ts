/** A box in pixels, top-left origin. */
export interface PixelBox {
  x: number;
  y: number;
  width: number;
  height: number;
  classId: number;
}

export interface ScoredBox extends PixelBox {
  score: number;
}

export interface ClassMetrics {
  classId: number;
  groundTruth: number;
  /** AP at IoU 0.5, 0.55, …, 0.95. */
  ap: number[];
  precision: number;
  recall: number;
}

export interface DetectionMetrics {
  precision: number;
  recall: number;
  map50: number;
  map50to95: number;
  perClass: ClassMetrics[];
}

export const iouThresholds = Array.from({ length: 10 }, (_, i) => 0.5 + 0.05 * i);

type Rect = Pick<PixelBox, 'x' | 'y' | 'width' | 'height'>;

export function iou(a: Rect, b: Rect): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  return inter / (a.width * a.height + b.width * b.height - inter);
}

/** COCO's 101-point interpolated average precision of a ranked list of hits. */
export function averagePrecision(hits: boolean[], groundTruth: number): number {
  if (groundTruth === 0) return Number.NaN;
  const precision: number[] = [];
  const recall: number[] = [];
  let tp = 0;
  hits.forEach((hit, i) => {
    if (hit) tp++;
    precision.push(tp / (i + 1));
    recall.push(tp / groundTruth);
  });
  // Precision envelope: the best precision at this recall or any higher one.
  for (let i = precision.length - 2; i >= 0; i--) precision[i] = Math.max(precision[i]!, precision[i + 1]!);
  let sum = 0;
  let j = 0;
  for (let r = 0; r <= 100; r++) {
    const level = r / 100;
    while (j < recall.length && recall[j]! < level) j++;
    sum += j < precision.length ? precision[j]! : 0;
  }
  return sum / 101;
}

/**
 * Precision, recall (at `scoreThreshold`, IoU 0.5), mAP@0.5 and mAP@0.5:0.95 over images, with
 * greedy matching by score as COCO does: each detection takes the best-overlapping unmatched
 * ground-truth box of its class. Classes without ground truth are left out of the means.
 */
export function detectionMetrics(
  images: Array<{ truth: PixelBox[]; predictions: ScoredBox[] }>,
  scoreThreshold = 0.25,
): DetectionMetrics {
  const classIds = [...new Set(images.flatMap((im) => im.truth.map((t) => t.classId)))].sort((a, b) => a - b);
  const perClass: ClassMetrics[] = classIds.map((classId) => {
    const groundTruth = images.reduce((n, im) => n + im.truth.filter((t) => t.classId === classId).length, 0);
    // Every detection of the class, with its image, ranked by score.
    const ranked = images
      .flatMap((im, imageIndex) =>
        im.predictions.filter((p) => p.classId === classId).map((p) => ({ p, imageIndex })),
      )
      .sort((a, b) => b.p.score - a.p.score);
    let precision = 0;
    let recall = 0;
    const ap = iouThresholds.map((threshold) => {
      const taken = images.map((im) => new Uint8Array(im.truth.length));
      const hits = ranked.map(({ p, imageIndex }) => {
        const truth = images[imageIndex]!.truth;
        let best = -1;
        let bestIou = threshold;
        truth.forEach((t, k) => {
          if (t.classId !== classId || taken[imageIndex]![k]) return;
          const overlap = iou(p, t);
          if (overlap >= bestIou) {
            bestIou = overlap;
            best = k;
          }
        });
        if (best < 0) return false;
        taken[imageIndex]![best] = 1;
        return true;
      });
      if (threshold === iouThresholds[0]) {
        // Ranked by score, so the confident detections are a prefix.
        const confident = ranked.filter(({ p }) => p.score >= scoreThreshold).length;
        const tp = hits.slice(0, confident).filter(Boolean).length;
        precision = confident ? tp / confident : 0;
        recall = groundTruth ? tp / groundTruth : 0;
      }
      return averagePrecision(hits, groundTruth);
    });
    return { classId, groundTruth, ap, precision, recall };
  });
  const mean = (values: number[]) => (values.length ? values.reduce((a, b) => a + b, 0) / values.length : 0);
  return {
    precision: mean(perClass.map((c) => c.precision)),
    recall: mean(perClass.map((c) => c.recall)),
    map50: mean(perClass.map((c) => c.ap[0]!)),
    map50to95: mean(perClass.map((c) => mean(c.ap))),
    perClass,
  };
}
