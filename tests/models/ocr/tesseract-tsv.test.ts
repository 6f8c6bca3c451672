import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { linesFromTesseractTsv } from '../../../models/ocr/tesseract-tsv.ts';

const header =
  'level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext';
const row = (...cells: Array<string | number>) => cells.join('\t');

describe('tesseract TSV', () => {
  test('groups words into their lines with the line box and the mean word confidence', () => {
    const tsv = [
      header,
      row(1, 1, 0, 0, 0, 0, 0, 0, 600, 120, -1, ''),
      row(2, 1, 1, 0, 0, 0, 21, 28, 356, 72, -1, ''),
      row(3, 1, 1, 1, 0, 0, 21, 28, 356, 72, -1, ''),
      row(4, 1, 1, 1, 1, 0, 22, 28, 355, 22, -1, ''),
      row(5, 1, 1, 1, 1, 1, 22, 28, 71, 22, 94, 'SHIP'),
      row(5, 1, 1, 1, 1, 2, 103, 28, 49, 22, 96, 'TO:'),
      row(4, 1, 1, 1, 2, 0, 21, 78, 300, 22, -1, ''),
      row(5, 1, 1, 1, 2, 1, 21, 78, 150, 22, 90.5, 'OAKLAND'),
      row(5, 1, 1, 1, 2, 2, 183, 78, 43, 22, 95, ' '),
      // A second block whose line numbers start again at 1.
      row(4, 1, 2, 1, 1, 0, 400, 28, 100, 22, -1, ''),
      row(5, 1, 2, 1, 1, 1, 400, 28, 100, 22, 80, '2LB'),
      '',
    ].join('\n');
    assert.deepEqual(linesFromTesseractTsv(tsv), [
      { text: 'SHIP TO:', confidence: 0.95, box: { x: 22, y: 28, width: 355, height: 22 } },
      { text: 'OAKLAND', confidence: 0.905, box: { x: 21, y: 78, width: 300, height: 22 } },
      { text: '2LB', confidence: 0.8, box: { x: 400, y: 28, width: 100, height: 22 } },
    ]);
  });

  test('a page with no words gives no lines', () => {
    assert.deepEqual(
      linesFromTesseractTsv(`${header}\n${row(1, 1, 0, 0, 0, 0, 0, 0, 60, 60, -1, '')}\n`),
      [],
    );
  });

  test('refuses output that is not tesseract TSV', () => {
    assert.throws(() => linesFromTesseractTsv('SHIP TO: MAYA BROWN\n'), /expected a TSV header/);
    assert.throws(() => linesFromTesseractTsv(`${header}\n5\t1\t1\n`), /row 2 has 3 columns/);
  });
});
