export {
  type DecodeOptions,
  type Detection,
  decodeDetections,
  nonMaximumSuppression,
} from './decode-detections.ts';
export {
  type ImageInput,
  ImageInputError,
  type LetterboxTransform,
  letterbox,
  type RawImage,
} from './letterbox.ts';
export { type OnnxModelInfo, parseClassNames, readOnnxModelInfo } from './onnx-metadata.ts';
export {
  bundledModelPath,
  createPackageDetector,
  type DetectionTimings,
  DetectorError,
  type DetectorOptions,
  type DetectorResult,
  type NamedDetection,
  type PackageDetector,
} from './package-detector.ts';
