import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import sharp from 'sharp';
import {
  averagePrecision,
  createPackageDetector,
  DetectorError,
  decodeDetections,
  detectionMetrics,
  ImageInputError,
  letterbox,
  nonMaximumSuppression,
  parseClassNames,
  readOnnxModelInfo,
} from '../../models/index.ts';
import { runCli } from '../support/service-process.ts';

const fixture = 'tests/fixtures/tiny-detector.onnx';
const identity = { scale: 1, padX: 0, padY: 0, sourceWidth: 100, sourceHeight: 100 };
const options = { scoreThreshold: 0.25, iouThreshold: 0.5, maxDetections: 100 };

/** A [1, 4 + classes, anchors] tensor from rows of cx, cy, w, h, scores…. */
function tensor(rows: number[][]): { data: Float32Array; classes: number; anchors: number } {
  const channels = rows[0]!.length;
  const data = new Float32Array(channels * rows.length);
  for (const [a, row] of rows.entries()) for (const [c, v] of row.entries()) data[c * rows.length + a] = v;
  return { data, classes: channels - 4, anchors: rows.length };
}

describe('detector decoding', () => {
  test('reads centre boxes, takes each anchor’s best class and drops low scores', () => {
    const t = tensor([
      [50, 40, 20, 10, 0.2, 0.9],
      [10, 10, 4, 4, 0.1, 0.2],
    ]);
    const found = decodeDetections(t.data, t.classes, t.anchors, identity, options);
    assert.deepEqual(
      found.map((d) => ({ ...d, score: Math.round(d.score * 100) / 100 })),
      [{ x: 40, y: 35, width: 20, height: 10, classId: 1, score: 0.9 }],
    );
  });

  test('non-maximum suppression keeps the best of overlapping boxes of one class, and other classes', () => {
    const t = tensor([
      [50, 50, 20, 20, 0.6, 0],
      [51, 50, 20, 20, 0.9, 0], // best: kept
      [52, 51, 20, 20, 0, 0.8], // same place, other class: kept
      [80, 80, 10, 10, 0.5, 0], // apart: kept
      [50, 60, 20, 20, 0.7, 0], // IoU with the best ≈ 0.33: kept at 0.5
    ]);
    const found = decodeDetections(t.data, t.classes, t.anchors, identity, options);
    assert.deepEqual(
      found.map((d) => [d.x, d.y, d.classId]),
      [
        [41, 40, 0],
        [42, 41, 1],
        [40, 50, 0],
        [75, 75, 0],
      ],
    );
    const strict = decodeDetections(t.data, t.classes, t.anchors, identity, {
      ...options,
      iouThreshold: 0.3,
    });
    assert.equal(strict.filter((d) => d.classId === 0).length, 2, 'a lower IoU threshold suppresses more');
    const few = decodeDetections(t.data, t.classes, t.anchors, identity, { ...options, maxDetections: 2 });
    assert.equal(few.length, 2);
  });

  test('boxes map back through the letterbox and are clipped to the image', () => {
    // A 200×100 image in a 64×64 input: scale 0.32, 16 px of grey above and below.
    const transform = { scale: 0.32, padX: 0, padY: 16, sourceWidth: 200, sourceHeight: 100 };
    const t = tensor([
      [32, 32, 16, 16, 0.9],
      [2, 20, 8, 8, 0.8],
    ]);
    const found = decodeDetections(t.data, t.classes, t.anchors, transform, options);
    assert.deepEqual(
      found.map((d) => [d.x, d.y, d.width, d.height].map((v) => Math.round(v * 10) / 10)),
      [
        [75, 25, 50, 50],
        [0, 0, 18.8, 25],
      ],
    );
  });

  test('a tensor of the wrong size is refused', () => {
    assert.throws(
      () => decodeDetections(new Float32Array(10), 2, 4, identity, options),
      /expected \(4 \+ 2\) × 4/,
    );
  });

  test('nonMaximumSuppression alone: an empty list, and identical boxes', () => {
    const f = (v: number[]) => Float32Array.from(v);
    assert.deepEqual(
      nonMaximumSuppression(f([]), f([]), f([]), f([]), f([]), Int32Array.from([]), 0, 0.5, 10),
      [],
    );
    const kept = nonMaximumSuppression(
      f([0, 0]),
      f([0, 0]),
      f([10, 10]),
      f([10, 10]),
      f([0.4, 0.8]),
      Int32Array.from([0, 0]),
      2,
      0.5,
      10,
    );
    assert.deepEqual(kept, [1]);
  });
});

describe('detection metrics', () => {
  test('average precision of known rankings', () => {
    assert.equal(averagePrecision([true, true], 2), 1);
    assert.equal(averagePrecision([false, false], 2), 0);
    // One hit first of two ground-truth boxes: precision 1 up to recall 0.5, nothing beyond.
    assert.ok(Math.abs(averagePrecision([true, false], 2) - 51 / 101) < 1e-9);
  });

  test('precision, recall and mAP on a small set', () => {
    const box = (x: number, classId = 0) => ({ x, y: 0, width: 10, height: 10, classId });
    const metrics = detectionMetrics([
      {
        truth: [box(0), box(20)],
        predictions: [
          { ...box(0), score: 0.9 },
          { ...box(50), score: 0.8 },
        ],
      },
      {
        truth: [box(0, 1)],
        predictions: [
          { ...box(1, 1), score: 0.7 },
          { ...box(0), score: 0.1 },
        ],
      },
    ]);
    const [packages, people] = metrics.perClass;
    assert.equal(packages!.groundTruth, 2);
    assert.equal(packages!.precision, 0.5);
    assert.equal(packages!.recall, 0.5);
    assert.equal(people!.precision, 1);
    // IoU of the person box is 9/11 ≈ 0.82: a hit up to the 0.8 threshold, a miss above.
    assert.equal(people!.ap.filter((ap) => ap === 1).length, 7);
    assert.ok(metrics.map50 > 0.7 && metrics.map50 < 0.8, `mAP@0.5 ${metrics.map50}`);
  });
});

describe('detector runtime', () => {
  const folder = mkdtempSync(join(tmpdir(), 'parcelroom-detector-'));
  after(() => rmSync(folder, { recursive: true, force: true }));

  test('class names come from the model metadata', () => {
    const info = readOnnxModelInfo(readFileSync(fixture));
    assert.equal(info.metadata.task, 'detect');
    assert.deepEqual(parseClassNames(info.metadata.names), ['package', 'person']);
    assert.deepEqual(parseClassNames('{0: "box", 2: \'bag\'}'), ['box', 'class-1', 'bag']);
    assert.equal(parseClassNames('not a dict'), undefined);
  });

  test('a tiny model in the standard layout runs end to end on an image', async () => {
    const detector = await createPackageDetector({ modelPath: fixture });
    assert.deepEqual(detector.classNames, ['package', 'person']);
    assert.equal(detector.inputWidth, 64);
    assert.equal(detector.inputHeight, 32);
    // 128×64: twice the input, no padding; every box doubles.
    const image = await sharp({ create: { width: 128, height: 64, channels: 3, background: '#808080' } })
      .jpeg()
      .toBuffer();
    const result = await detector.detect(image);
    assert.deepEqual(
      result.detections.map((d) => [d.className, d.x, d.y, d.width, d.height]),
      [
        ['package', 12, 22, 40, 20],
        ['person', 86, 24, 20, 32],
      ],
    );
    assert.ok(result.timings.inferenceMs >= 0 && result.timings.preprocessMs > 0, 'timings are measured');
    // Raw pixels work the same; a square image is letterboxed (16 px of grey either side), and
    // the person's box, reaching past the right edge, is clipped to the image.
    const raw = { data: new Uint8Array(64 * 64 * 3).fill(128), width: 64, height: 64, channels: 3 as const };
    const square = await detector.detect(raw);
    assert.deepEqual(
      square.detections.map((d) => [d.className, d.x, d.y, d.width, d.height]),
      [
        ['package', 0, 22, 20, 20],
        ['person', 54, 24, 10, 32],
      ],
    );
    await detector.close();
  });

  test('the letterbox keeps the aspect and pads with grey', async () => {
    const image = await sharp({ create: { width: 100, height: 100, channels: 3, background: '#ffffff' } })
      .png()
      .toBuffer();
    const { tensor: t, transform } = await letterbox(image, { width: 64, height: 32 });
    assert.deepEqual(transform, { scale: 0.32, padX: 16, padY: 0, sourceWidth: 100, sourceHeight: 100 });
    assert.ok(Math.abs(t[0]! - 114 / 255) < 1e-6, 'left border is grey');
    assert.equal(t[32], 1, 'middle is the white image');
  });

  test('a corrupt model file and an image that is not an image get clear errors', async () => {
    const corrupt = join(folder, 'corrupt.onnx');
    writeFileSync(corrupt, readFileSync(fixture).subarray(0, 200));
    await assert.rejects(createPackageDetector({ modelPath: corrupt }), (error: Error) => {
      assert.ok(error instanceof DetectorError);
      assert.match(error.message, /corrupt\.onnx: (not an ONNX model|onnxruntime cannot load it)/);
      return true;
    });
    const text = join(folder, 'text.onnx');
    writeFileSync(text, 'hello, I am not a model');
    await assert.rejects(createPackageDetector({ modelPath: text }), DetectorError);
    await assert.rejects(
      createPackageDetector({ modelPath: join(folder, 'missing.onnx') }),
      /no such model file/,
    );
    await assert.rejects(createPackageDetector({ modelPath: fixture, scoreThreshold: 2 }), /scoreThreshold/);

    const detector = await createPackageDetector({ modelPath: fixture });
    await assert.rejects(detector.detect(Buffer.from('GIF89a but not really')), (error: Error) => {
      assert.ok(error instanceof ImageInputError);
      assert.match(error.message, /not an image that can be read/);
      return true;
    });
    await assert.rejects(
      detector.detect({ data: new Uint8Array(10), width: 8, height: 8, channels: 3 }),
      /raw pixels do not match 8×8×3/,
    );
    await detector.close();
  });

  test('parcelroom detect prints JSON boxes, draws them, and refuses bad input in one line', async () => {
    const image = join(folder, 'frame.jpg');
    await sharp({ create: { width: 128, height: 64, channels: 3, background: '#406080' } })
      .jpeg()
      .toFile(image);
    const drawn = join(folder, 'drawn.png');
    const ok = await runCli(['detect', '--model', fixture, '--draw', drawn, image]);
    assert.equal(ok.code, 0, ok.stderr);
    const printed = JSON.parse(ok.stdout);
    assert.equal(printed.detections.length, 2);
    assert.deepEqual(printed.detections[0].box, { x: 12, y: 22, width: 40, height: 20 });
    const meta = await sharp(drawn).metadata();
    assert.equal(meta.width, 128);
    assert.equal(meta.format, 'png');

    const notImage = join(folder, 'notes.jpg');
    writeFileSync(notImage, 'shopping list');
    const bad = await runCli(['detect', '--model', fixture, notImage]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr.trim(), /^parcelroom: .*notes\.jpg: not an image that can be read/);
    const badModel = await runCli(['detect', '--model', join(folder, 'nope.onnx'), image]);
    assert.equal(badModel.code, 2);
    assert.match(badModel.stderr, /nope\.onnx: no such model file/);
  });

  test('parcelroom eval-detector scores a YOLO folder and writes JSON', async () => {
    const data = join(folder, 'set');
    for (const sub of ['images', 'labels'])
      await import('node:fs').then((fs) => fs.mkdirSync(join(data, sub), { recursive: true }));
    await sharp({ create: { width: 128, height: 64, channels: 3, background: '#808080' } })
      .jpeg()
      .toFile(join(data, 'images', 'a.jpg'));
    // The fixture's package box is (12, 22, 40, 20) in 128×64: normalised centre (0.25, 0.5).
    writeFileSync(join(data, 'labels', 'a.txt'), '0 0.25 0.5 0.3125 0.3125\n');
    const out = join(folder, 'eval.json');
    const result = await runCli(['eval-detector', '--model', fixture, '--data', data, '--out', out]);
    assert.equal(result.code, 0, result.stderr);
    const written = JSON.parse(readFileSync(out, 'utf8'));
    assert.equal(written.images, 1);
    assert.equal(written.map50, 1);
    assert.equal(written.precision, 1);
    assert.equal(written.recall, 1);
    assert.ok(written.medianLatencyMs.inference >= 0);
    writeFileSync(join(data, 'labels', 'a.txt'), '0 0.25 oops\n');
    const broken = await runCli(['eval-detector', '--model', fixture, '--data', data, '--out', out]);
    assert.equal(broken.code, 2);
    assert.match(broken.stderr, /a\.txt:1: expected "class cx cy w h"/);
  });
});
