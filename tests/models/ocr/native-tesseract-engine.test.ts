import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { createNativeTesseractEngine, type OcrEngine, OcrError } from '../../../models/index.ts';
import {
  boxIou,
  normaliseSpaces,
  renderTextImage,
  shippingLabelLines,
  type TextImage,
} from '../../support/text-image.ts';

describe('native tesseract engine', () => {
  let engine: OcrEngine;
  let label: TextImage;

  before(async () => {
    engine = await createNativeTesseractEngine();
    label = await renderTextImage(shippingLabelLines);
  });
  after(() => engine.close());

  test('reads every line of a shipping label, top to bottom, boxed tightly around its ink', async () => {
    const result = await engine.recognize(label.png);
    assert.equal(engine.name, 'tesseract-native');
    assert.deepEqual(
      result.lines.map((l) => normaliseSpaces(l.text)),
      [...shippingLabelLines],
    );
    assert.equal(result.text, result.lines.map((l) => l.text).join('\n'));
    for (const [i, line] of result.lines.entries()) {
      const ink = label.inkBoxes[i]!;
      assert.ok(
        boxIou(line.box, ink) > 0.8,
        `line ${i}: box ${JSON.stringify(line.box)} vs ink ${JSON.stringify(ink)}`,
      );
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
    assert.deepEqual(fromPixels.lines, fromPng.lines);
  });

  test('reads RGBA pixels with a transparent background as black on white', async () => {
    const { data, info } = await sharp(label.png).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    // Make the white paper transparent black, as some PNG exporters store it.
    for (let i = 0; i < data.length; i += 4) if (data[i]! > 200) data.fill(0, i, i + 4);
    const result = await engine.recognize({
      data: new Uint8Array(data),
      width: info.width,
      height: info.height,
      channels: 4,
    });
    assert.deepEqual(
      result.lines.map((l) => normaliseSpaces(l.text)),
      [...shippingLabelLines],
    );
  });

  test('rejects a corrupt buffer with an OcrError saying the image cannot be read, and keeps working', async () => {
    await assert.rejects(engine.recognize(label.png.subarray(0, 300)), (error: unknown) => {
      assert.ok(error instanceof OcrError);
      assert.match(error.message, /tesseract-native cannot read the image/);
      return true;
    });
    // Text on stdin would be taken by tesseract as a list of files to open; it never gets there.
    await assert.rejects(engine.recognize(Buffer.from('/etc/passwd\n')), OcrError);
    await assert.rejects(
      engine.recognize({ data: new Uint8Array(10), width: 5, height: 5, channels: 1 }),
      /do not match 5×5×1/,
    );
    assert.equal((await engine.recognize(label.png)).lines.length, shippingLabelLines.length);
  });

  test('concurrent calls all succeed with the same reading', async () => {
    const results = await Promise.all(
      [label.png, label.grey, label.png, label.grey, label.png].map((i) => engine.recognize(i)),
    );
    for (const result of results)
      assert.deepEqual(
        result.lines.map((l) => normaliseSpaces(l.text)),
        [...shippingLabelLines],
      );
  });

  test('recognize after close rejects with an OcrError', async () => {
    const closing = await createNativeTesseractEngine({ workers: 1 });
    await closing.close();
    await assert.rejects(closing.recognize(label.png), (error: unknown) => {
      assert.ok(error instanceof OcrError);
      assert.match(error.message, /the tesseract-native engine is closed/);
      return true;
    });
  });
});

describe('native tesseract engine failures', () => {
  let directory: string;
  before(() => {
    directory = mkdtempSync(join(tmpdir(), 'parcelroom-tesseract-'));
  });
  after(() => rmSync(directory, { recursive: true, force: true }));

  const tsv = [
    'level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext',
    '4\t1\t1\t1\t1\t0\t10\t10\t100\t20\t-1\t',
    '5\t1\t1\t1\t1\t1\t10\t10\t100\t20\t90\tSHIP',
  ].join('\\n');

  /**
   * A stand-in tesseract: answers --version and --list-langs, and for an image does what the
   * file `mode` in its folder says (read, sleep, fail or talk nonsense), logging how many copies
   * of itself run at once.
   */
  function fakeTesseract(): string {
    const path = join(directory, 'tesseract');
    writeFileSync(
      path,
      `#!/bin/sh
dir="${directory}"
case "$1" in
  --version) echo "tesseract 5.3.0"; exit 0 ;;
  --list-langs) echo 'List of available languages in "/fake/" (1):'; echo eng; exit 0 ;;
esac
[ "$OMP_THREAD_LIMIT" = 1 ] || { echo "OMP_THREAD_LIMIT not set" >&2; exit 3; }
cat > /dev/null
mode=$(cat "$dir/mode" 2>/dev/null || echo read)
case "$mode" in
  sleep) exec sleep 30 ;;
  fail) echo "Error during processing." >&2; exit 1 ;;
  nonsense) echo "hello"; exit 0 ;;
  count)
    touch "$dir/running.$$"
    ls "$dir" | grep -c '^running\\.' >> "$dir/counts"
    sleep 0.3
    rm "$dir/running.$$" ;;
esac
printf '${tsv}\\n'
`,
    );
    chmodSync(path, 0o755);
    return path;
  }
  const setMode = (mode: string) => writeFileSync(join(directory, 'mode'), mode);
  const image = () =>
    sharp({ create: { width: 64, height: 32, channels: 3, background: '#ffffff' } })
      .png()
      .toBuffer();

  test('a missing binary is reported at creation with what to install', async () => {
    await assert.rejects(
      createNativeTesseractEngine({ binaryPath: join(directory, 'no-such-tesseract') }),
      (error) => {
        assert.ok(error instanceof OcrError);
        assert.match(
          error.message,
          /cannot be run \(ENOENT\): install Debian's tesseract-ocr and tesseract-ocr-eng/,
        );
        return true;
      },
    );
  });

  test('a missing language is reported with the Debian package that has it', async () => {
    await assert.rejects(
      createNativeTesseractEngine({ binaryPath: fakeTesseract(), language: 'eng+deu' }),
      /no "deu" language data: install Debian's tesseract-ocr-deu/,
    );
  });

  test('a process that runs too long is killed and its image rejected; the next image is read', async () => {
    setMode('read');
    const engine = await createNativeTesseractEngine({ binaryPath: fakeTesseract(), timeoutMs: 300 });
    setMode('sleep');
    await assert.rejects(engine.recognize(await image()), (error: unknown) => {
      assert.ok(error instanceof OcrError);
      assert.match(error.message, /took longer than 300 ms on one image and was stopped/);
      return true;
    });
    setMode('read');
    assert.equal((await engine.recognize(await image())).text, 'SHIP');
    await engine.close();
  });

  test('a failing process and output that is not TSV reject with OcrErrors quoting tesseract', async () => {
    setMode('read');
    const engine = await createNativeTesseractEngine({ binaryPath: fakeTesseract() });
    setMode('fail');
    await assert.rejects(engine.recognize(await image()), /failed \(1\): Error during processing\./);
    setMode('nonsense');
    await assert.rejects(engine.recognize(await image()), /printed something other than TSV/);
    await engine.close();
  });

  test('runs at most `workers` processes at once; a burst queues and all of it is read', async () => {
    setMode('read');
    const engine = await createNativeTesseractEngine({ binaryPath: fakeTesseract(), workers: 2 });
    setMode('count');
    const png = await image();
    const results = await Promise.all(Array.from({ length: 5 }, () => engine.recognize(png)));
    assert.ok(results.every((r) => r.text === 'SHIP'));
    const counts = readFileSync(join(directory, 'counts'), 'utf8').trim().split('\n').map(Number);
    assert.equal(counts.length, 5);
    assert.ok(Math.max(...counts) <= 2, `processes at once: ${counts.join(', ')}`);
    await engine.close();
  });

  test('close lets running processes finish and rejects the images still queued', async () => {
    setMode('read');
    const engine = await createNativeTesseractEngine({ binaryPath: fakeTesseract(), workers: 1 });
    setMode('count');
    const png = await image();
    const first = engine.recognize(png);
    const queued = assert.rejects(engine.recognize(png), /closed before it read this image/);
    await engine.close();
    assert.equal((await first).text, 'SHIP');
    await queued;
  });
});
