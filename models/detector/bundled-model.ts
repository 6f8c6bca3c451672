import { fileURLToPath } from 'node:url';

/**
 * The detector Parcelroom ships, trained by models/training/ (see its model card). Its own file
 * so that naming it (a CLI option's default) does not load onnxruntime.
 */
export const bundledModelPath = fileURLToPath(
  new URL('../package-detector/package-detector.onnx', import.meta.url),
);
