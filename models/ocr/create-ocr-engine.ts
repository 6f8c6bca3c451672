import { createNativeTesseractEngine } from './native-tesseract-engine.ts';
import type { OcrEngine } from './ocr-engine.ts';
import { type OcrEngineName, ocrEngineNames } from './ocr-engine-names.ts';
import { createPaddleOcrEngine } from './paddle-ocr-engine.ts';
import { createTesseractJsEngine } from './tesseract-js-engine.ts';

export { type OcrEngineName, ocrEngineNames };

export interface OcrEngineSettings {
  /** Images read at once: workers, child processes or onnxruntime threads, by engine. */
  workers?: number;
}

/** The engine the configuration names (`labels.ocrEngine`), created and warmed up. */
export function createOcrEngine(name: OcrEngineName, settings: OcrEngineSettings = {}): Promise<OcrEngine> {
  const workers = settings.workers ?? 2;
  switch (name) {
    case 'tesseract.js':
      return createTesseractJsEngine({ workers });
    case 'tesseract-native':
      return createNativeTesseractEngine({ workers });
    case 'pp-ocrv4':
      return createPaddleOcrEngine({ threads: workers });
  }
}

/** The engines a label reader uses: one for whole labels, one for a second look at single lines. */
export interface LabelOcrEngines {
  ocr: OcrEngine;
  lineOcr?: OcrEngine;
  close(): Promise<void>;
}

/**
 * tesseract.js reads a label's layout best and PP-OCR's recogniser its digits best, so by
 * default pages go to the first and missed tracking lines to the second (docs/labels.md).
 */
export async function createLabelOcrEngines(
  page: OcrEngineName,
  line: OcrEngineName | 'none',
  settings: OcrEngineSettings = {},
): Promise<LabelOcrEngines> {
  const ocr = await createOcrEngine(page, settings);
  let lineOcr: OcrEngine | undefined;
  try {
    // A line is small: one worker (or thread) is enough, and leaves the cores to the pages.
    if (line !== 'none' && line !== page) lineOcr = await createOcrEngine(line, { workers: 1 });
  } catch (error) {
    await ocr.close();
    throw error;
  }
  return {
    ocr,
    ...(lineOcr ? { lineOcr } : {}),
    async close() {
      await Promise.all([ocr.close(), lineOcr?.close()]);
    },
  };
}
