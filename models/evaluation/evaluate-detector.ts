import { readFile } from 'node:fs/promises';
import type { PackageDetector } from '../detector/index.ts';
import {
  type DetectionMetrics,
  detectionMetrics,
  type PixelBox,
  type ScoredBox,
} from './detection-metrics.ts';
import { readYoloFolder } from './yolo-dataset.ts';

export interface DetectorEvaluation {
  data: string;
  model: string;
  images: number;
  /** Ground-truth boxes per class name. */
  groundTruth: Record<string, number>;
  metrics: DetectionMetrics;
  /** Precision and recall are taken at this score; APs over all detections down to 0.001. */
  scoreThreshold: number;
  latencyMs: { preprocess: number; inference: number; decode: number; total: number };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/**
 * Runs the detector on every image of a YOLO-format folder and scores it the COCO way.
 * Only classes with ground truth in the folder count: a package-only dataset scores packages.
 */
export async function evaluateDetector(
  detector: PackageDetector,
  dataDir: string,
  options: { scoreThreshold?: number; onProgress?: (done: number, total: number) => void } = {},
): Promise<DetectorEvaluation> {
  const items = readYoloFolder(dataDir);
  const scoreThreshold = options.scoreThreshold ?? 0.25;
  const images: Array<{ truth: PixelBox[]; predictions: ScoredBox[] }> = [];
  const timings = {
    preprocess: [] as number[],
    inference: [] as number[],
    decode: [] as number[],
    total: [] as number[],
  };
  for (const [i, item] of items.entries()) {
    const bytes = await readFile(item.imagePath);
    const result = await detector.detect(bytes, { scoreThreshold: 0.001, maxDetections: 300 });
    const { width, height } = result;
    images.push({
      truth: item.labels.map((l) => ({
        classId: l.classId,
        x: (l.cx - l.width / 2) * width,
        y: (l.cy - l.height / 2) * height,
        width: l.width * width,
        height: l.height * height,
      })),
      predictions: result.detections,
    });
    timings.preprocess.push(result.timings.preprocessMs);
    timings.inference.push(result.timings.inferenceMs);
    timings.decode.push(result.timings.decodeMs);
    timings.total.push(result.timings.preprocessMs + result.timings.inferenceMs + result.timings.decodeMs);
    options.onProgress?.(i + 1, items.length);
  }
  const metrics = detectionMetrics(images, scoreThreshold);
  const groundTruth: Record<string, number> = {};
  for (const c of metrics.perClass)
    groundTruth[detector.classNames[c.classId] ?? `class-${c.classId}`] = c.groundTruth;
  return {
    data: dataDir,
    model: detector.modelPath,
    images: items.length,
    groundTruth,
    metrics,
    scoreThreshold,
    latencyMs: {
      preprocess: median(timings.preprocess),
      inference: median(timings.inference),
      decode: median(timings.decode),
      total: median(timings.total),
    },
  };
}
