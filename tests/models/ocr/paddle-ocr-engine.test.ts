import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import {
  createPaddleOcrEngine,
  detectionSize,
  joinRowPieces,
  type OcrEngine,
  OcrError,
  type OcrLine,
} from '../../../models/index.ts';
import {
  boxIou,
  normaliseSpaces,
  renderTextImage,
  shippingLabelLines,
  type TextImage,
} from '../../support/text-image.ts';

describe('PP-OCRv4 engine', () => {
  let engine: OcrEngine;
  let label: TextImage;

  before(async () => {
    engine = await createPaddleOcrEngine();
    label = await renderTextImage(shippingLabelLines);
  });
  after(() => engine.close());

  test('reads every line of a shipping label, top to bottom, boxed around its ink in input pixels', async () => {
    const result = await engine.recognize(label.png);
    assert.equal(engine.name, 'pp-ocrv4');
    assert.deepEqual(
      result.lines.map((l) => normaliseSpaces(l.text)),
      [...shippingLabelLines],
    );
    assert.equal(result.text, result.lines.map((l) => l.text).join('\n'));
    for (const [i, line] of result.lines.entries()) {
      const ink = label.inkBoxes[i]!;
      // Detector boxes are grown past the ink on purpose, so they match it loosely.
      assert.ok(
        boxIou(line.box, ink) > 0.5,
        `line ${i}: box ${JSON.stringify(line.box)} vs ink ${JSON.stringify(ink)}`,
      );
      assert.ok(line.box.x >= 0 && line.box.y >= 0);
      assert.ok(line.box.x + line.box.width <= label.width && line.box.y + line.box.height <= label.height);
      assert.ok(line.confidence > 0.8 && line.confidence <= 1, `line ${i} confidence ${line.confidence}`);
    }
    const tops = result.lines.map((l) => l.box.y);
    assert.deepEqual(
      tops,
      [...tops].sort((a, b) => a - b),
    );
    assert.ok(result.recognizeMs > 0);
  });

  test('reads decoded grey pixels as it reads the PNG', async () => {
    const fromPng = await engine.recognize(label.png);
    const fromPixels = await engine.recognize(label.grey);
    assert.deepEqual(
      fromPixels.lines.map((l) => l.text),
      fromPng.lines.map((l) => l.text),
    );
    for (const [i, line] of fromPixels.lines.entries()) {
      const other = fromPng.lines[i]!.box;
      assert.ok(Math.abs(line.box.x - other.x) <= 2 && Math.abs(line.box.y - other.y) <= 2, `line ${i}`);
    }
  });

  test('boxes follow the image: on a label shrunk to half, line centres are at half the coordinates', async () => {
    const half = await sharp(label.png)
      .resize(Math.round(label.width / 2))
      .png()
      .toBuffer();
    const full = await engine.recognize(label.png);
    const small = await engine.recognize(half);
    assert.deepEqual(
      small.lines.map((l) => normaliseSpaces(l.text)),
      [...shippingLabelLines],
    );
    const centre = (box: OcrLine['box'], scale: number) => [
      (box.x + box.width / 2) * scale,
      (box.y + box.height / 2) * scale,
    ];
    for (const [i, line] of small.lines.entries()) {
      // Centres, not edges: the growth around the detected kernel does not scale exactly.
      const [x, y] = centre(line.box, 2);
      const [bigX, bigY] = centre(full.lines[i]!.box, 1);
      assert.ok(
        Math.abs(x! - bigX!) <= 6 && Math.abs(y! - bigY!) <= 6,
        `line ${i}: (${x}, ${y}) vs (${bigX}, ${bigY})`,
      );
    }
  });

  test('reads a label turned by a few degrees through rotated crops', async () => {
    const turned = await sharp(label.png).rotate(6, { background: '#ffffff' }).png().toBuffer();
    const result = await engine.recognize(turned);
    assert.deepEqual(
      result.lines.map((l) => normaliseSpaces(l.text)),
      [...shippingLabelLines],
    );
  });

  test('reads lines set vertically (turned a quarter clockwise) from left to right', async () => {
    const turned = await sharp(label.png).rotate(90).png().toBuffer();
    const result = await engine.recognize(turned);
    // Turned clockwise, the label's last line is leftmost; each stays one line, not one row.
    assert.deepEqual(
      result.lines.map((l) => normaliseSpaces(l.text)),
      [...shippingLabelLines].reverse(),
    );
    assert.ok(result.lines.every((l) => l.box.height > l.box.width));
  });

  test('finds no lines on a blank image', async () => {
    const blank = await sharp({ create: { width: 400, height: 300, channels: 3, background: '#ffffff' } })
      .png()
      .toBuffer();
    const result = await engine.recognize(blank);
    assert.deepEqual(result.lines, []);
    assert.equal(result.text, '');
  });

  test('rejects a corrupt buffer with an OcrError saying the image cannot be read, and keeps working', async () => {
    const truncated = label.png.subarray(0, 300);
    await assert.rejects(engine.recognize(truncated), (error: unknown) => {
      assert.ok(error instanceof OcrError);
      assert.match(error.message, /pp-ocrv4 cannot read the image/);
      return true;
    });
    await assert.rejects(engine.recognize(Buffer.from('not an image at all')), OcrError);
    await assert.rejects(engine.recognize(Buffer.alloc(0)), /empty/);
    await assert.rejects(
      engine.recognize({ data: new Uint8Array(10), width: 5, height: 5, channels: 1 }),
      /raw pixels \(10 bytes\) do not match 5×5×1/,
    );
    const result = await engine.recognize(label.png);
    assert.equal(result.lines.length, shippingLabelLines.length);
  });

  test('concurrent calls all succeed with the same reading', async () => {
    const results = await Promise.all(
      [label.png, label.grey, label.png, label.grey].map((i) => engine.recognize(i)),
    );
    for (const result of results)
      assert.deepEqual(
        result.lines.map((l) => normaliseSpaces(l.text)),
        [...shippingLabelLines],
      );
  });
});

describe('PP-OCRv4 engine lifecycle', () => {
  test('close lets the image being read finish, rejects those queued and every later call', async () => {
    const engine = await createPaddleOcrEngine({ threads: 1 });
    const label = await renderTextImage(shippingLabelLines.slice(0, 2));
    const first = engine.recognize(label.png);
    const queued = assert.rejects(
      engine.recognize(label.png),
      (error: unknown) => error instanceof OcrError && /closed before it read this image/.test(error.message),
    );
    const closed = engine.close();
    assert.equal((await first).lines.length, 2);
    await queued;
    await closed;
    await assert.rejects(engine.recognize(label.png), (error: unknown) => {
      assert.ok(error instanceof OcrError);
      assert.match(error.message, /the pp-ocrv4 engine is closed/);
      return true;
    });
    await engine.close();
  });

  test('refuses bad options and missing model files with OcrErrors naming them', async () => {
    await assert.rejects(createPaddleOcrEngine({ threads: 0 }), /pp-ocrv4 options: threads/);
    await assert.rejects(createPaddleOcrEngine({ colour: 'red' } as never), OcrError);
    await assert.rejects(
      createPaddleOcrEngine({ recognitionModelPath: '/nonexistent/rec.onnx' }),
      /\/nonexistent\/rec\.onnx: no such file/,
    );
  });
});

describe('PP-OCRv4 geometry', () => {
  test('the detector input keeps small images, shrinks large ones to the limit and rounds to 32', () => {
    assert.deepEqual(detectionSize(900, 400, 960), { width: 896, height: 416 });
    assert.deepEqual(detectionSize(1000, 1400, 960), { width: 672, height: 960 });
    assert.deepEqual(detectionSize(10, 5, 960), { width: 32, height: 32 });
  });

  const piece = (text: string, x: number, y: number, width: number, height: number): OcrLine => ({
    text,
    confidence: 0.9,
    box: { x, y, width, height },
  });

  test('joins pieces of one row split at a wide gap, not lines apart or of another size', () => {
    const joined = joinRowPieces(
      [
        piece('OAKLAND', 40, 100, 170, 34),
        piece('CA', 206, 101, 80, 34), // overlapping grown boxes
        piece('94607', 300, 100, 150, 36),
        piece('WEIGHT 2 LB', 700, 100, 200, 34), // a column away: 250 px > one height
        piece('NEXT LINE', 40, 150, 200, 34),
        piece('HUGE', 260, 140, 200, 80), // more than 1.5 times as tall
      ],
      1,
    );
    assert.deepEqual(
      joined.map((l) => l.text),
      ['OAKLAND CA 94607', 'WEIGHT 2 LB', 'NEXT LINE', 'HUGE'],
    );
    assert.deepEqual(joined[0]!.box, { x: 40, y: 100, width: 410, height: 36 });
    assert.equal(joinRowPieces([piece('A', 0, 0, 100, 30), piece('B', 110, 0, 100, 30)], 0).length, 2);
  });

  test('does not join text set vertically, whose boxes stand side by side', () => {
    const joined = joinRowPieces([piece('ONE', 40, 40, 40, 400), piece('TWO', 100, 40, 40, 400)], 1);
    assert.equal(joined.length, 2);
  });
});
