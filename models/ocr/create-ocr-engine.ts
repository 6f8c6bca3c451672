import { createNativeTesseractEngine } from './native-tesseract-engine.ts';
import type { OcrEngine } from './ocr-engine.ts';
import { createPaddleOcrEngine } from './paddle-ocr-engine.ts';
import { createTesseractJsEngine } from './tesseract-js-engine.ts';

export const ocrEngineNames = ['tesseract.js', 'tesseract-native', 'pp-ocrv4'] as const;
export type OcrEngineName = (typeof ocrEngineNames)[number];

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
