import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ctcGreedyDecode, paddleDictionary } from '../../../models/ocr/ctc-decode.ts';

// blank, A, B, 口 (CJK), Ａ (full-width A), space
const keys = 'A\nB\n口\nＡ\n';
const classCount = 6;

/** One line of probabilities from per-step {class: p}; the rest of each step goes to blank. */
function steps(rows: Array<Record<number, number>>): Float32Array {
  const data = new Float32Array(rows.length * classCount);
  for (const [t, row] of rows.entries()) {
    let rest = 1;
    for (const [c, p] of Object.entries(row)) {
      data[t * classCount + Number(c)] = p;
      rest -= p;
    }
    data[t * classCount] = (data[t * classCount] ?? 0) + rest;
  }
  return data;
}

describe('CTC greedy decoding', () => {
  test('the dictionary is blank, the keys, then a space, and must match the model', () => {
    const dictionary = paddleDictionary(keys, classCount, 'full');
    assert.deepEqual(dictionary.characters, ['', 'A', 'B', '口', 'Ａ', ' ']);
    assert.equal(dictionary.space, 5);
    assert.throws(() => paddleDictionary(keys, 6625, 'full'), /gives 6 classes .* the model outputs 6625/);
  });

  test('collapses repeats, keeps doubles split by a blank, and averages the emitted probabilities', () => {
    const dictionary = paddleDictionary(keys, classCount, 'full');
    const data = steps([{ 1: 0.9 }, { 1: 0.7 }, {}, { 1: 0.8 }, { 2: 0.6 }, {}]);
    const { text, confidence } = ctcGreedyDecode(data, 0, 6, classCount, dictionary);
    assert.equal(text, 'AAB');
    assert.ok(Math.abs(confidence - (0.9 + 0.8 + 0.6) / 3) < 1e-6);
  });

  test('the Latin charset never emits CJK and folds full-width forms to ASCII', () => {
    const data = steps([{ 3: 0.7, 2: 0.2 }, {}, { 4: 0.9 }]);
    const latin = paddleDictionary(keys, classCount, 'latin');
    assert.equal(ctcGreedyDecode(data, 0, 3, classCount, latin).text, 'BA');
    const full = paddleDictionary(keys, classCount, 'full');
    assert.equal(ctcGreedyDecode(data, 0, 3, classCount, full).text, '口A');
  });

  test('reads a weak space between words, not between letters, and leaves it out of the confidence', () => {
    const dictionary = paddleDictionary(keys, classCount, 'latin');
    const data = steps([{ 1: 0.9 }, { 5: 0.03 }, { 2: 0.9 }, { 5: 0.3 }, { 5: 0.2 }, { 1: 0.9 }, { 5: 0.2 }]);
    assert.equal(ctcGreedyDecode(data, 0, 7, classCount, dictionary).text, 'ABA');
    const withSpaces = ctcGreedyDecode(data, 0, 7, classCount, dictionary, 0.1);
    assert.equal(withSpaces.text, 'AB A', 'one space for a run of steps; none at the end');
    assert.ok(Math.abs(withSpaces.confidence - 0.9) < 1e-6);
  });

  test('decodes the requested line of a batch', () => {
    const dictionary = paddleDictionary(keys, classCount, 'latin');
    const batch = new Float32Array([...steps([{ 1: 0.9 }, {}]), ...steps([{ 2: 0.9 }, {}])]);
    assert.equal(ctcGreedyDecode(batch, 1, 2, classCount, dictionary).text, 'B');
    assert.deepEqual(ctcGreedyDecode(steps([{}, {}]), 0, 2, classCount, dictionary), {
      text: '',
      confidence: 0,
    });
  });
});
