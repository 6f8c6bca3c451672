/**
 * Lines from tesseract's TSV output (`tesseract … tsv`): one row per page, block, paragraph,
 * line (level 4) and word (level 5), with boxes in image pixels and word confidences 0..100.
 */

import type { OcrLine } from './ocr-engine.ts';

const header = [
  'level',
  'page_num',
  'block_num',
  'par_num',
  'line_num',
  'word_num',
  'left',
  'top',
  'width',
  'height',
  'conf',
  'text',
] as const;

/**
 * Words grouped into their lines, in tesseract's order (block by block, which keeps a label's
 * columns apart). A line's confidence is the mean of its words' over 100. Lines with no word
 * text are left out. Throws when the text is not tesseract TSV.
 */
export function linesFromTesseractTsv(tsv: string): OcrLine[] {
  const rows = tsv.split('\n').map((row) => row.replace(/\r$/, ''));
  const columns = rows[0]?.split('\t');
  if (!columns || header.some((name, i) => columns[i] !== name))
    throw new Error(
      `expected a TSV header starting "${header.join(' ')}", got "${rows[0]?.slice(0, 80) ?? ''}"`,
    );
  const lines = new Map<
    string,
    { box: OcrLine['box'] | undefined; words: string[]; confidences: number[] }
  >();
  for (const [index, row] of rows.entries()) {
    if (index === 0 || row === '') continue;
    const cells = row.split('\t');
    // The text is the last column and may itself hold no tabs; fewer cells is a broken row.
    if (cells.length < header.length)
      throw new Error(`row ${index + 1} has ${cells.length} columns: "${row}"`);
    const level = Number(cells[0]);
    if (level !== 4 && level !== 5) continue;
    const key = cells.slice(1, 5).join('/');
    const [left, top, width, height] = cells.slice(6, 10).map(Number) as [number, number, number, number];
    const line = lines.get(key) ?? { box: undefined, words: [], confidences: [] };
    lines.set(key, line);
    if (level === 4) {
      line.box = { x: left, y: top, width, height };
      continue;
    }
    const text = cells.slice(11).join('\t').trim();
    const confidence = Number(cells[10]);
    if (!text || !(confidence >= 0)) continue;
    line.words.push(text);
    line.confidences.push(confidence);
    // A word row before its line row (not seen from tesseract 4 or 5) still gives a box.
    line.box ??= { x: left, y: top, width, height };
  }
  const result: OcrLine[] = [];
  for (const { box, words, confidences } of lines.values()) {
    if (words.length === 0 || !box) continue;
    const mean = confidences.reduce((sum, c) => sum + c, 0) / confidences.length;
    result.push({ text: words.join(' '), confidence: Math.min(1, Math.max(0, mean / 100)), box });
  }
  return result;
}
