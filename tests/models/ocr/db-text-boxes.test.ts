import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  defaultDbPostprocessOptions,
  rectangleCorners,
  textBoxesFromProbabilityMap,
} from '../../../models/ocr/db-text-boxes.ts';

/** A probability map with `value` inside each axis-aligned [x0, x1) × [y0, y1) and 0.05 elsewhere. */
function map(
  width: number,
  height: number,
  regions: Array<[number, number, number, number, number]>,
): Float32Array {
  const data = new Float32Array(width * height).fill(0.05);
  for (const [x0, y0, x1, y1, value] of regions)
    for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) data[y * width + x] = value;
  return data;
}

describe('DB text boxes', () => {
  test('grows a confident kernel by area × ratio / perimeter on every side', () => {
    // Pixels 10..109 × 20..29: pixel centres span 99 × 9.
    const boxes = textBoxesFromProbabilityMap(map(200, 60, [[10, 20, 110, 30, 0.9]]), 200, 60);
    assert.equal(boxes.length, 1);
    const [box] = boxes;
    const offset = (99 * 9 * 1.5) / (2 * (99 + 9));
    assert.ok(Math.abs(box!.width - (99 + 2 * offset)) < 1e-6);
    assert.ok(Math.abs(box!.height - (9 + 2 * offset)) < 1e-6);
    assert.deepEqual(
      box!.centre.map((v) => Math.round(v * 10) / 10),
      [60, 25],
    );
    assert.equal(box!.angleRad, 0);
    assert.ok(Math.abs(box!.score - 0.9) < 1e-6);
  });

  test('drops regions whose mean probability is below the box threshold, and specks', () => {
    const boxes = textBoxesFromProbabilityMap(
      map(200, 80, [
        [10, 10, 110, 20, 0.4], // above the binary threshold, below the box threshold
        [10, 40, 12, 42, 0.95], // 2×2 speck
        [10, 60, 110, 70, 0.8],
      ]),
      200,
      80,
    );
    assert.equal(boxes.length, 1);
    assert.ok(Math.abs(boxes[0]!.centre[1] - 65) < 0.01);
  });

  test('finds a slanted line at its angle, long side along the text', () => {
    const width = 240;
    const height = 160;
    const data = new Float32Array(width * height).fill(0.02);
    const angle = (12 * Math.PI) / 180;
    // A 160 × 14 bar turned 12° about (120, 80).
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++) {
        const dx = x + 0.5 - 120;
        const dy = y + 0.5 - 80;
        const u = dx * Math.cos(angle) + dy * Math.sin(angle);
        const v = -dx * Math.sin(angle) + dy * Math.cos(angle);
        if (Math.abs(u) <= 80 && Math.abs(v) <= 7) data[y * width + x] = 0.9;
      }
    const [box] = textBoxesFromProbabilityMap(data, width, height);
    assert.ok(box);
    assert.ok(Math.abs(box.angleRad - angle) < 0.03, `angle ${box.angleRad}`);
    assert.ok(box.width > box.height);
    const corners = rectangleCorners(box);
    // The first corner is the top-left one of the level box, the next runs along the text.
    assert.ok(corners[0][0] < corners[1][0] && corners[0][1] < corners[1][1]);
  });

  test('a tall region keeps its long side as height, for the crop to turn it', () => {
    const [box] = textBoxesFromProbabilityMap(map(100, 200, [[40, 10, 52, 190, 0.9]]), 100, 200);
    assert.ok(box && box.height > 3 * box.width && Math.abs(box.angleRad) < 1e-9);
  });

  test('refuses a map of the wrong size', () => {
    assert.throws(() => textBoxesFromProbabilityMap(new Float32Array(10), 4, 4, defaultDbPostprocessOptions));
  });
});
