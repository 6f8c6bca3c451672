import type { Logger } from 'pino';
import sharp from 'sharp';
import type { OcrBox, OcrEngine, OcrLine, RawImage } from '../../models/index.ts';
import { type BarcodeReading, readLabelBarcodes } from './barcode-reader.ts';
import { LabelImageError } from './label-errors.ts';
import { defaultLabelImageLimits, type LabelImageLimits, loadLabelImage } from './label-image.ts';
import type { LabelMetrics } from './label-metrics.ts';
import { type BuildingAddress, findCarrier, type ParsedLabel, parseLabel } from './label-parser.ts';
import { type RectifyOptions, rectifyLabel } from './label-rectifier.ts';
import { rotateQuarterTurns } from './perspective-warp.ts';
import type { ResidentMatch, ResidentMatcher } from './resident-matcher.ts';
import { findTrackingNumbers } from './tracking-numbers.ts';

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
    /** Lines read a second time for a tracking number the first reading missed. */
    trackingRereads: number;
  };
  timings: LabelTimings;
}

export interface LabelReaderOptions {
  ocr: OcrEngine;
  /**
   * The engine for the second look at tracking-number lines; `ocr` when absent. PP-OCR's
   * recogniser reads digits better than tesseract, tesseract reads a page's layout better.
   */
  lineOcr?: OcrEngine;
  residents?: ResidentMatcher;
  building?: BuildingAddress;
  limits?: LabelImageLimits;
  rectify?: Partial<RectifyOptions>;
  logger?: Logger;
  /** Stage durations and outcomes (prom-client), when the service runs the reader. */
  metrics?: LabelMetrics;
}

export interface ReadOptions {
  /** False reads the text only, as if every barcode were covered (the evaluation's OCR-only figure). */
  barcodes?: boolean;
}

export interface LabelReader {
  read(image: Buffer, options?: ReadOptions): Promise<LabelReading>;
}

const partlyCheckedSchemes = new Set(['Amazon TBA', 'UPU S10', 'USPS IMpb (20)']);
const trackingAlphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ ';
const inAlphabet = (text: string) =>
  [...text.toUpperCase()]
    .filter((c) => trackingAlphabet.includes(c))
    .join('')
    .replace(/\s+/g, ' ')
    .trim();
/** Captions carriers print by the number. */
const trackingCaption = /TRK|TRACK|TBA|\b1Z|WAYBILL|AWB/i;
const maxTrackingRereads = 3;

/**
 * The lines most likely to hold the tracking number: a carrier's caption, or digits printed
 * in the groups of three to five that carriers print numbers in. An address or a phone number
 * has one or two such groups, a tracking number four or more.
 */
function trackingLines(lines: readonly OcrLine[]): OcrLine[] {
  const likelihood = (line: OcrLine) => {
    const groups = line.text.split(/\s+/).filter((t) => /^[0-9OISBZ]{3,5}$/i.test(t) && /\d/.test(t)).length;
    return (trackingCaption.test(line.text) ? 3 : 0) + (groups >= 3 ? 2 : 0) + (groups >= 4 ? 1 : 0);
  };
  return lines
    .map((line) => ({ line, score: likelihood(line) }))
    .filter((l) => l.score >= 2)
    .sort((a, b) => b.score - a.score)
    .slice(0, maxTrackingRereads)
    .map((l) => l.line);
}

const lineTextHeightPx = 28;

/**
 * One line's row cut out of the upright label with a margin, scaled so that its text is about
 * 28 px tall and given a wide white border: PP-OCR's detector misses text much larger than
 * what it was trained on, and text touching the picture's edge.
 */
async function lineCrop(image: RawImage, box: OcrBox): Promise<Buffer> {
  // The whole row across the label: a thumb or a glare spot often ends the first reading of
  // the line early, and the rest of the number is still printed beyond it.
  const padY = Math.round(box.height * 0.9);
  const left = 0;
  const top = Math.max(0, box.y - padY);
  const width = image.width;
  const height = Math.max(1, Math.min(image.height - top, box.height + 2 * padY));
  const scale = Math.min(3, Math.max(0.4, lineTextHeightPx / Math.max(8, box.height)));
  // A text detector finds nothing in text that touches the picture's edge: a wide white border.
  const border = Math.max(24, Math.round(height * scale * 0.5));
  return sharp(Buffer.from(image.data.buffer, image.data.byteOffset, image.data.length), {
    raw: { width: image.width, height: image.height, channels: image.channels },
  })
    .extract({ left, top, width, height })
    .resize(Math.round(width * scale), Math.round(height * scale), { kernel: 'lanczos3' })
    .normalise()
    .extend({ top: border, bottom: border, left: border, right: border, background: '#ffffff' })
    .png({ compressionLevel: 1 })
    .toBuffer();
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
  const { ocr, residents, building, logger, metrics } = options;
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
      const loaded = await loadLabelImage(bytes, limits).catch((error: unknown) => {
        if (error instanceof LabelImageError) metrics?.rejected.inc();
        throw error;
      });
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
      let best: { lines: OcrLine[]; turns: number; score: number; upright: RawImage } | undefined;
      let ocrPasses = 0;
      for (const turns of tries) {
        const upright: RawImage = rotateQuarterTurns(rectified.image, turns);
        const result = await ocr.recognize(upright);
        ocrPasses++;
        const score = readability(result.lines);
        if (!best || score > best.score) best = { lines: result.lines, turns, score, upright };
        // A reading that makes sense of a label-sized amount of text is not worth a second pass.
        if (score >= 60) break;
      }
      const pageOcrMs = lap();

      const lines = best?.lines ?? [];
      const texts = lines.map((l) => l.text);
      let fields = parseLabel(texts, barcodes, building);
      const parseMs = lap();

      // No number in the text: look again at the lines that should hold one, each on its own,
      // enlarged and with the alphabet of tracking numbers. A check digit still has to hold.
      let rereads = 0;
      const second = options.lineOcr ?? (ocr.recognizeLine ? ocr : undefined);
      const found = fields.tracking;
      // A number from the text whose check digit covers only part of it (an Amazon number has
      // none; an S10's letters are outside it; a 22-digit IMpb read short can pass as a 20-digit
      // one) is looked at again too, and the second reading wins when it also holds.
      const partlyChecked = found?.source === 'ocr' && partlyCheckedSchemes.has(found.scheme);
      if ((!found || partlyChecked) && best && second) {
        const again: string[] = [];
        const hints = findCarrier(texts);
        for (const line of trackingLines(lines)) {
          // The kiosk waits for this: stop at the first line that gives a number.
          if (again.length > 0 && findTrackingNumbers(again, hints).length > 0) break;
          const crop = await lineCrop(best.upright, line.box);
          const result = second.recognizeLine
            ? await second.recognizeLine(crop, { characters: trackingAlphabet })
            : await second.recognize(crop);
          rereads++;
          // Each line the engine found in the row, and all of them joined: a number can be
          // read in pieces side by side.
          again.push(
            ...result.lines.map((l) => inAlphabet(l.text)),
            inAlphabet(result.lines.map((l) => l.text).join(' ')),
          );
        }
        if (found && partlyChecked) {
          const [better] = findTrackingNumbers(again, hints);
          if (better) {
            const { read: _read, line: _line, grouped: _grouped, ...tracking } = better;
            fields = { ...fields, tracking: { ...tracking, source: 'ocr' }, carrier: tracking.carrier };
          }
        }
        const reread =
          !found && again.length > 0 ? parseLabel([...texts, ...again], barcodes, building) : undefined;
        if (reread?.tracking) {
          fields = {
            ...fields,
            tracking: reread.tracking,
            trackingCandidates: reread.trackingCandidates,
            carrier: reread.carrier,
          };
        }
      }
      const ocrMs = pageOcrMs + lap();

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
          trackingRereads: rereads,
        },
        timings: { loadMs, rectifyMs, barcodeMs, ocrMs, parseMs, matchMs, totalMs },
      };
      if (metrics) {
        const { totalMs: _total, ...stages } = reading.timings;
        for (const [stage, ms] of Object.entries(stages))
          metrics.readDuration.observe({ stage: stage.replace(/Ms$/, '') }, ms / 1000);
        metrics.readDuration.observe({ stage: 'total' }, totalMs / 1000);
        metrics.readings.inc({ tracking: fields.tracking?.source ?? 'none', match: match?.status ?? 'none' });
      }
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
