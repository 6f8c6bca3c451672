import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { runCli } from '../support/service-process.ts';

describe('sim dataset', () => {
  const folder = mkdtempSync(join(tmpdir(), 'parcelroom-dataset-'));
  after(() => rmSync(folder, { recursive: true, force: true }));

  test('writes a YOLO dataset with normalised labels and slot ground truth, the same for the same seed', async () => {
    const a = join(folder, 'a');
    const b = join(folder, 'b');
    for (const out of [a, b]) {
      const { code, stdout, stderr } = await runCli([
        'sim',
        'dataset',
        '--out',
        out,
        '--count',
        '6',
        '--seed',
        '42',
        '--people',
      ]);
      assert.equal(code, 0, stderr);
      assert.equal(JSON.parse(stdout).images, 6);
    }
    const images = readdirSync(join(a, 'images')).sort();
    const labels = readdirSync(join(a, 'labels')).sort();
    assert.equal(images.length, 6);
    assert.deepEqual(
      labels,
      images.map((f) => f.replace(/\.jpg$/, '.txt')),
    );
    let boxes = 0;
    for (const label of labels) {
      const text = readFileSync(join(a, 'labels', label), 'utf8');
      assert.equal(text, readFileSync(join(b, 'labels', label), 'utf8'), 'same seed, same labels');
      for (const line of text.trim().split('\n').filter(Boolean)) {
        const [cls, ...rest] = line.split(' ');
        assert.ok(cls === '0' || cls === '1');
        const [cx, cy, w, h] = rest.map(Number) as [number, number, number, number];
        for (const v of [cx, cy, w, h]) assert.ok(v >= 0 && v <= 1, line);
        if (cls === '0') boxes++;
      }
    }
    assert.ok(boxes >= 6, 'packages are labelled');
    assert.deepEqual(
      readFileSync(join(a, 'images', images[0]!)),
      readFileSync(join(b, 'images', images[0]!)),
    );
    const truth = JSON.parse(readFileSync(join(a, 'ground-truth.json'), 'utf8'));
    assert.equal(truth.images.length, 6);
    assert.ok(Object.keys(truth.images[0].slots).every((id: string) => /^[A-C][1-5]-[1-4]$/.test(id)));
    assert.match(readFileSync(join(a, 'data.yaml'), 'utf8'), /0: package\n {2}1: person/);
  });

  test('bad options are refused with one line naming the option', async () => {
    const { code, stderr } = await runCli(['sim', 'dataset', '--out', join(folder, 'c'), '--count', 'many']);
    assert.equal(code, 2);
    assert.equal(stderr.trim(), 'parcelroom: --count must be a whole number from 1 to 1000000');
  });
});
