export {
  averagePrecision,
  type ClassMetrics,
  type DetectionMetrics,
  detectionMetrics,
  iou,
  iouThresholds,
  type PixelBox,
  type ScoredBox,
} from './detection-metrics.ts';
export { type DetectorEvaluation, evaluateDetector } from './evaluate-detector.ts';
export { DatasetError, readYoloFolder, type YoloItem, type YoloLabel } from './yolo-dataset.ts';
