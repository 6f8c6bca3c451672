import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import Tesseract from 'tesseract.js';
import { z } from 'zod';
import {
  type OcrEngine,
  OcrError,
  type OcrInput,
  type OcrLine,
  type OcrLineOptions,
  type OcrResult,
} from './ocr-engine.ts';

export const tesseractJsOptionsSchema = z
  .object({
    /** Workers in the pool; each is single-threaded WebAssembly, so one per core is the most that helps. */
    workers: z.number().int().min(1).max(16).default(2),
    /**
     * Which English model from @tesseract.js-data/eng: 'best_int' (LSTM, integer weights) or
     * 'standard' (the 4.0.0 file, larger and with the legacy engine's data).
     */
    model: z.enum(['best_int', 'standard']).default('best_int'),
    /** Tesseract page segmentation: 3 finds blocks itself, 11 reads sparse text anywhere. */
    pageSegMode: z.enum(['3', '4', '6', '11', '12']).default('3'),
    /** Tesseract's thresholding: 0 Otsu, 1 LeptonicaOtsu (adaptive), 2 Sauvola. */
    thresholdingMethod: z.enum(['0', '1', '2']).default('0'),
  })
  .strict();
export type TesseractJsOptions = z.input<typeof tesseractJsOptionsSchema>;

/** The traineddata shipped in node_modules; tesseract.js would otherwise download it from a CDN. */
function languagePath(model: 'best_int' | 'standard'): string {
  const require = createRequire(import.meta.url);
  const root = dirname(require.resolve('@tesseract.js-data/eng/package.json'));
  return join(root, model === 'best_int' ? '4.0.0_best_int' : '4.0.0');
}

/** A tiny image read once per worker so that the first real label does not pay for warm-up. */
async function warmUpImage(): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="320" height="60"><rect width="320" height="60" fill="white"/><text x="10" y="42" font-family="Liberation Sans, DejaVu Sans, sans-serif" font-size="32">SHIP TO 1Z</text></svg>`;
  return sharp(Buffer.from(svg)).greyscale().png().toBuffer();
}

/** tesseract.js accepts encoded images only; PNG at low compression costs a few ms per label. */
async function toEncoded(image: OcrInput): Promise<Buffer> {
  if (Buffer.isBuffer(image)) return image;
  return sharp(Buffer.from(image.data.buffer, image.data.byteOffset, image.data.length), {
    raw: { width: image.width, height: image.height, channels: image.channels },
  })
    .png({ compressionLevel: 1 })
    .toBuffer();
}

/**
 * tesseract.js in a pool of workers created once. Each worker loads the English model from
 * @tesseract.js-data/eng; recognize() queues on the scheduler, so concurrent labels (two kiosks)
 * use both cores and a burst waits instead of spawning more workers.
 */
export async function createTesseractJsEngine(options: TesseractJsOptions = {}): Promise<OcrEngine> {
  const settings = tesseractJsOptionsSchema.parse(options);
  const scheduler = Tesseract.createScheduler();
  const langPath = languagePath(settings.model);
  const warmUp = await warmUpImage();
  let lineWorker: Tesseract.Worker | undefined;
  try {
    await Promise.all(
      Array.from({ length: settings.workers }, async () => {
        const worker = await Tesseract.createWorker('eng', Tesseract.OEM.LSTM_ONLY, {
          langPath,
          gzip: true,
          cacheMethod: 'none',
        });
        await worker.setParameters({
          tessedit_pageseg_mode: settings.pageSegMode as Tesseract.PSM,
          thresholding_method: settings.thresholdingMethod,
          preserve_interword_spaces: '0',
          // Rectified labels carry no resolution; without one tesseract warns and guesses per image.
          user_defined_dpi: '300',
        });
        await worker.recognize(warmUp);
        scheduler.addWorker(worker);
      }),
    );
    // One more worker for single lines with a restricted alphabet (a tracking number read a
    // second time): its settings differ from the page workers', so it cannot share their queue.
    lineWorker = await Tesseract.createWorker('eng', Tesseract.OEM.LSTM_ONLY, {
      langPath,
      gzip: true,
      cacheMethod: 'none',
    });
    await lineWorker.setParameters({
      tessedit_pageseg_mode: Tesseract.PSM.SINGLE_LINE,
      user_defined_dpi: '300',
    });
  } catch (error) {
    await scheduler.terminate().catch(() => {});
    await lineWorker?.terminate().catch(() => {});
    throw new OcrError(`could not start tesseract.js from ${langPath}: ${(error as Error).message}`);
  }
  // The line worker reads one image at a time; its alphabet is set per call.
  let lineQueue: Promise<unknown> = Promise.resolve();
  const pageLines = (page: Tesseract.Page): OcrLine[] => {
    const lines: OcrLine[] = [];
    for (const block of page.blocks ?? []) {
      for (const paragraph of block.paragraphs) {
        for (const line of paragraph.lines) {
          const text = line.text.replace(/\s+/g, ' ').trim();
          if (!text) continue;
          lines.push({
            text,
            confidence: line.confidence / 100,
            box: {
              x: line.bbox.x0,
              y: line.bbox.y0,
              width: line.bbox.x1 - line.bbox.x0,
              height: line.bbox.y1 - line.bbox.y0,
            },
          });
        }
      }
    }
    return lines;
  };
  let closed = false;
  return {
    name: 'tesseract.js',
    async recognize(image: OcrInput): Promise<OcrResult> {
      if (closed) throw new OcrError('the tesseract.js engine is closed');
      const encoded = await toEncoded(image);
      const started = performance.now();
      let page: Tesseract.Page;
      try {
        page = (await scheduler.addJob('recognize', encoded, {}, { blocks: true, text: true })).data;
      } catch (error) {
        throw new OcrError(
          `tesseract.js could not read the image: ${String((error as Error)?.message ?? error)}`,
        );
      }
      const recognizeMs = performance.now() - started;
      const lines = pageLines(page);
      // Tesseract's own block order keeps a label's columns apart; sorting by rows would
      // interleave a "SHIP FROM" column with the weight printed beside it.
      return { text: lines.map((l) => l.text).join('\n'), lines, recognizeMs };
    },
    recognizeLine(image: OcrInput, options: OcrLineOptions): Promise<OcrResult> {
      if (closed) return Promise.reject(new OcrError('the tesseract.js engine is closed'));
      const worker = lineWorker!;
      const job = lineQueue.then(async (): Promise<OcrResult> => {
        const encoded = await toEncoded(image);
        const started = performance.now();
        try {
          await worker.setParameters({ tessedit_char_whitelist: options.characters });
          const page = (await worker.recognize(encoded, {}, { blocks: true, text: true })).data;
          const lines = pageLines(page);
          return {
            text: lines.map((l) => l.text).join('\n'),
            lines,
            recognizeMs: performance.now() - started,
          };
        } catch (error) {
          throw new OcrError(
            `tesseract.js could not read the line: ${String((error as Error)?.message ?? error)}`,
          );
        }
      });
      lineQueue = job.catch(() => {});
      return job;
    },
    async close() {
      if (closed) return;
      closed = true;
      await Promise.all([scheduler.terminate(), lineWorker?.terminate()]);
    },
  };
}
