import { existsSync, readFileSync } from 'node:fs';
import ort from 'onnxruntime-node';
import { z } from 'zod';
import { bundledModelPath } from './bundled-model.ts';
import { type DecodeOptions, type Detection, decodeDetections } from './decode-detections.ts';
import { type ImageInput, letterbox } from './letterbox.ts';
import { parseClassNames, readOnnxModelInfo } from './onnx-metadata.ts';

export { bundledModelPath };

export class DetectorError extends Error {
  override readonly name = 'DetectorError';
}

export interface NamedDetection extends Detection {
  className: string;
}

export interface DetectionTimings {
  preprocessMs: number;
  inferenceMs: number;
  decodeMs: number;
}

export interface DetectorResult {
  detections: NamedDetection[];
  timings: DetectionTimings;
  /** Size of the image the boxes refer to. */
  width: number;
  height: number;
}

export interface PackageDetector {
  readonly modelPath: string;
  readonly classNames: readonly string[];
  /** The model's input size, read from the model. */
  readonly inputWidth: number;
  readonly inputHeight: number;
  detect(image: ImageInput, options?: Partial<DecodeOptions>): Promise<DetectorResult>;
  close(): Promise<void>;
}

export const detectorOptionsSchema = z
  .object({
    modelPath: z.string().min(1).default(bundledModelPath),
    /** Threads onnxruntime may use inside one inference; one session serves every camera. */
    intraOpThreads: z.number().int().min(1).max(64).default(1),
    scoreThreshold: z.number().min(0).max(1).default(0.25),
    iouThreshold: z.number().gt(0).max(1).default(0.5),
    maxDetections: z.number().int().min(1).max(10_000).default(300),
    /** Class names when the model carries none in its metadata; else a side file is looked for. */
    classNames: z.array(z.string().min(1)).optional(),
  })
  .strict();
export type DetectorOptions = z.input<typeof detectorOptionsSchema>;

/** `model.onnx` → `model.names.json` (an array or `{ "names": … }`) next to it, if present. */
function sideFileNames(modelPath: string): string[] | undefined {
  const file = `${modelPath.replace(/\.onnx$/i, '')}.names.json`;
  if (!existsSync(file)) return undefined;
  const parsed = z
    .union([
      z.array(z.string()),
      z.object({ names: z.union([z.array(z.string()), z.record(z.string(), z.string())]) }),
    ])
    .safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) throw new DetectorError(`${file}: expected a list of class names or {"names": …}`);
  const names = Array.isArray(parsed.data) ? parsed.data : parsed.data.names;
  return Array.isArray(names)
    ? names
    : Object.keys(names)
        .sort((a, b) => Number(a) - Number(b))
        .map((k) => names[k]!);
}

/**
 * Loads an ONNX detection model in the standard YOLOv8/YOLO11 export layout and returns a
 * detector: letterbox with sharp, one onnxruntime session, decode and NMS on typed arrays.
 */
export async function createPackageDetector(options: DetectorOptions = {}): Promise<PackageDetector> {
  const parsed = detectorOptionsSchema.safeParse(options);
  if (!parsed.success)
    throw new DetectorError(
      `detector options: ${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`,
    );
  const settings = parsed.data;
  const { modelPath } = settings;
  if (!existsSync(modelPath)) throw new DetectorError(`${modelPath}: no such model file`);
  const bytes = readFileSync(modelPath);
  let metadata: Record<string, string>;
  try {
    metadata = readOnnxModelInfo(bytes).metadata;
  } catch (error) {
    throw new DetectorError(`${modelPath}: not an ONNX model (${(error as Error).message})`);
  }
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes, {
      intraOpNumThreads: settings.intraOpThreads,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
      executionMode: 'sequential',
    });
  } catch (error) {
    throw new DetectorError(
      `${modelPath}: onnxruntime cannot load it: ${(error as Error).message.split('\n')[0]}`,
    );
  }
  const fail = async (message: string): Promise<never> => {
    await session.release();
    throw new DetectorError(`${modelPath}: ${message}`);
  };
  const input = session.inputMetadata[0];
  const output = session.outputMetadata[0];
  if (session.inputNames.length !== 1 || !input?.isTensor)
    return fail('expected one image input (a detection export has exactly one)');
  if (!output?.isTensor) return fail('expected a tensor output');
  const shape = input.shape;
  const [height, width] = [shape[2], shape[3]];
  if (shape.length !== 4 || shape[1] !== 3 || typeof height !== 'number' || typeof width !== 'number')
    return fail(`expected a fixed input of shape [1, 3, height, width], found [${shape.join(', ')}]`);
  const outShape = output.shape;
  if (outShape.length !== 3)
    return fail(`expected an output of shape [1, 4 + classes, anchors], found [${outShape.join(', ')}]`);
  const channels = outShape[1];
  const metadataNames = parseClassNames(metadata.names);
  const classNames =
    settings.classNames ??
    metadataNames ??
    sideFileNames(modelPath) ??
    (typeof channels === 'number' ? Array.from({ length: channels - 4 }, (_, i) => `class-${i}`) : undefined);
  if (!classNames) return fail('the number of classes is not in the model; give the class names');
  if (typeof channels === 'number' && channels !== 4 + classNames.length)
    return fail(`its output has ${channels} channels but ${classNames.length} class names were found`);

  const inputName = session.inputNames[0]!;
  const outputName = session.outputNames[0]!;
  return {
    modelPath,
    classNames,
    inputWidth: width,
    inputHeight: height,
    async detect(image, overrides = {}) {
      const t0 = performance.now();
      const { tensor, transform } = await letterbox(image, { width, height });
      const t1 = performance.now();
      const result = await session.run({
        [inputName]: new ort.Tensor('float32', tensor, [1, 3, height, width]),
      });
      const t2 = performance.now();
      const out = result[outputName]!;
      const dims = out.dims;
      if (dims.length !== 3 || dims[1] !== 4 + classNames.length)
        throw new DetectorError(
          `${modelPath}: output of shape [${dims.join(', ')}] is not [1, 4 + classes, anchors]`,
        );
      const detections = decodeDetections(out.data as Float32Array, classNames.length, dims[2]!, transform, {
        scoreThreshold: overrides.scoreThreshold ?? settings.scoreThreshold,
        iouThreshold: overrides.iouThreshold ?? settings.iouThreshold,
        maxDetections: overrides.maxDetections ?? settings.maxDetections,
      }).map((d) => ({ ...d, className: classNames[d.classId]! }));
      out.dispose();
      const t3 = performance.now();
      return {
        detections,
        timings: { preprocessMs: t1 - t0, inferenceMs: t2 - t1, decodeMs: t3 - t2 },
        width: transform.sourceWidth,
        height: transform.sourceHeight,
      };
    },
    close: () => session.release(),
  };
}
