/**
 * What every OCR engine gives the label pipeline. Engines differ (tesseract.js in WebAssembly,
 * Debian's native tesseract, PP-OCR through onnxruntime) but the pipeline only needs lines of
 * text with where they are and how sure the engine was.
 */

import type { RawImage } from '../detector/letterbox.ts';

export type { RawImage };

/** Either encoded bytes (JPEG, PNG, WebP…) or decoded pixels. */
export type OcrInput = Buffer | RawImage;

/** Axis-aligned box in the input image's pixels. */
export interface OcrBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface OcrLine {
  text: string;
  /** 0..1; engines that report percentages are scaled. */
  confidence: number;
  box: OcrBox;
}

export interface OcrResult {
  /** Lines joined with "\n" in reading order (top to bottom, then left to right). */
  text: string;
  lines: OcrLine[];
  /** Time the engine spent on this image, excluding any queueing before it. */
  recognizeMs: number;
}

/** Reading one line of text that must be made of the given characters (a tracking number). */
export interface OcrLineOptions {
  /** Characters the line may contain; anything else is not considered. */
  characters: string;
}

export interface OcrEngine {
  /** Short stable name used in benchmarks and timings: "tesseract.js", "tesseract-native", "pp-ocrv4". */
  readonly name: string;
  recognize(image: OcrInput): Promise<OcrResult>;
  /**
   * Reads an image holding a single line, restricted to `characters`. Engines that cannot
   * restrict their alphabet leave it out, and the label pipeline does without the second look.
   */
  recognizeLine?(image: OcrInput, options: OcrLineOptions): Promise<OcrResult>;
  /** Frees workers, sessions and child processes; recognize() afterwards rejects with OcrError. */
  close(): Promise<void>;
}

/** Anything that stops an engine from reading an image, with a message a user can act on. */
export class OcrError extends Error {
  override readonly name = 'OcrError';
}

/** Sorts lines top to bottom, treating lines whose vertical centres are close as one row. */
export function readingOrder(lines: OcrLine[]): OcrLine[] {
  const sorted = [...lines].sort((a, b) => a.box.y + a.box.height / 2 - (b.box.y + b.box.height / 2));
  const rows: OcrLine[][] = [];
  for (const line of sorted) {
    const centre = line.box.y + line.box.height / 2;
    const row = rows.at(-1);
    const first = row?.[0];
    if (
      row &&
      first &&
      Math.abs(centre - (first.box.y + first.box.height / 2)) <
        Math.min(first.box.height, line.box.height) / 2
    ) {
      row.push(line);
    } else {
      rows.push([line]);
    }
  }
  return rows.flatMap((row) => row.sort((a, b) => a.box.x - b.box.x));
}
