import type { Logger } from 'pino';
import type { OcrEngine, OcrLine, RawImage } from '../../models/index.ts';
import { type BarcodeReading, readLabelBarcodes } from './barcode-reader.ts';
import { defaultLabelImageLimits, type LabelImageLimits, loadLabelImage } from './label-image.ts';
import { type BuildingAddress, type ParsedLabel, parseLabel } from './label-parser.ts';
import { type RectifyOptions, rectifyLabel } from './label-rectifier.ts';
import { rotateQuarterTurns } from './perspective-warp.ts';
import type { ResidentMatch, ResidentMatcher } from './resident-matcher.ts';

export interface LabelTimings {
  loadMs: number;
  rectifyMs: number;
  barcodeMs: number;
  ocrMs: number;
  parseMs: number;
  matchMs: number;
  totalMs: number;
}

export interface LabelReading {
  /** Everything OCR read, line by line. */
  text: string;
  lines: OcrLine[];
  barcodes: BarcodeReading[];
  fields: ParsedLabel;
  /** Ranked residents, or null when the reader has no residents to match against. */
  match: ResidentMatch | null;
  image: {
    originalWidth: number;
    originalHeight: number;
    labelFound: boolean;
    /** Degrees the label was turned in the photo (clockwise), as undone before reading. */
    rotationDeg: number;
    ocrPasses: number;
  };
  timings: LabelTimings;
}

export interface LabelReaderOptions {
  ocr: OcrEngine;
  residents?: ResidentMatcher;
  building?: BuildingAddress;
  limits?: LabelImageLimits;
  rectify?: Partial<RectifyOptions>;
  logger?: Logger;
}

export interface ReadOptions {
  /** False reads the text only, as if every barcode were covered (the evaluation's OCR-only figure). */
  barcodes?: boolean;
}

export interface LabelReader {
  read(image: Buffer, options?: ReadOptions): Promise<LabelReading>;
}

/** Lines OCR was sure of, weighted by length: how much of a label a reading made sense of. */
function readability(lines: readonly OcrLine[]): number {
  let score = 0;
  for (const line of lines)
    if (line.confidence >= 0.6) score += line.text.replace(/\s/g, '').length * line.confidence;
  return score;
}

/**
 * Carriers print barcodes level with their text, so a barcode's orientation on the flattened
 * label says how far the label still is from upright, in quarter turns.
 */
function quarterTurnsFromBarcodes(barcodes: readonly BarcodeReading[]): number | undefined {
  const linear = barcodes.find((b) => b.format === 'Code128') ?? barcodes[0];
  if (!linear) return undefined;
  return ((Math.round(-linear.orientationDeg / 90) % 4) + 4) % 4;
}

/**
 * The label pipeline: photo → bounded decode → flatten the label → barcodes → upright → OCR →
 * fields (tracking number, carrier, recipient) → ranked residents. Barcodes come first because
 * a decoded symbol is exact; OCR fills in what barcodes do not carry, the recipient above all.
 */
export function createLabelReader(options: LabelReaderOptions): LabelReader {
  const { ocr, residents, building, logger } = options;
  const limits = options.limits ?? defaultLabelImageLimits;
  return {
    async read(bytes, readOptions = {}) {
      const started = performance.now();
      let mark = started;
      const lap = () => {
        const now = performance.now();
        const ms = now - mark;
        mark = now;
        return ms;
      };
      const loaded = await loadLabelImage(bytes, limits);
      const loadMs = lap();
      const rectified = rectifyLabel(loaded.rgb, loaded.grey, options.rectify);
      const rectifyMs = lap();

      let barcodes: BarcodeReading[] = [];
      if (readOptions.barcodes !== false) {
        barcodes = await readLabelBarcodes(rectified.image);
        // A label found wrongly (or not at all) still has its barcodes somewhere in the photo.
        if (!barcodes.some((b) => b.tracking)) {
          const whole = await readLabelBarcodes(loaded.grey);
          for (const b of whole) if (!barcodes.some((k) => k.text === b.text)) barcodes.push(b);
        }
      }
      const barcodeMs = lap();

      const knownTurns = quarterTurnsFromBarcodes(barcodes);
      const landscape = rectified.image.width > rectified.image.height * 1.15;
      const tries = knownTurns !== undefined ? [knownTurns] : landscape ? [1, 3] : [0, 2];
      let best: { lines: OcrLine[]; turns: number; score: number } | undefined;
      let ocrPasses = 0;
      for (const turns of tries) {
        const upright: RawImage = rotateQuarterTurns(rectified.image, turns);
        const result = await ocr.recognize(upright);
        ocrPasses++;
        const score = readability(result.lines);
        if (!best || score > best.score) best = { lines: result.lines, turns, score };
        // A reading that makes sense of a label-sized amount of text is not worth a second pass.
        if (score >= 60) break;
      }
      const ocrMs = lap();

      const lines = best?.lines ?? [];
      const fields = parseLabel(
        lines.map((l) => l.text),
        barcodes,
        building,
      );
      const parseMs = lap();

      let match: ResidentMatch | null = null;
      if (residents) {
        const names = fields.recipient.nameCandidates.length > 0 ? fields.recipient.nameCandidates : [null];
        for (const name of names) {
          const candidate = residents.match({ name, unit: fields.recipient.unit });
          const score = candidate.candidates[0]?.score ?? 0;
          if (!match || score > (match.candidates[0]?.score ?? 0)) match = candidate;
        }
      }
      const matchMs = lap();
      const totalMs = performance.now() - started;
      const reading: LabelReading = {
        text: lines.map((l) => l.text).join('\n'),
        lines,
        barcodes,
        fields,
        match,
        image: {
          originalWidth: loaded.originalWidth,
          originalHeight: loaded.originalHeight,
          labelFound: rectified.found,
          rotationDeg: Math.round(rectified.skewDeg + (best?.turns ?? 0) * -90),
          ocrPasses,
        },
        timings: { loadMs, rectifyMs, barcodeMs, ocrMs, parseMs, matchMs, totalMs },
      };
      logger?.debug(
        {
          tracking: fields.tracking?.value,
          trackingSource: fields.tracking?.source,
          match: match?.status,
          totalMs: Math.round(totalMs),
        },
        'label read',
      );
      return reading;
    },
  };
}
