import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  correctToFormat,
  findTrackingNumbers,
  formatTrackingNumber,
  generateTrackingNumber,
  parseTrackingNumber,
  trackingFormats,
  trackingNumberFromBarcode,
} from '../../../pipelines/labels/tracking-numbers.ts';
import { seededRandom } from '../../../simulator/seeded-random.ts';

const scheme = (name: string) => trackingFormats.find((f) => f.scheme === name)!;

describe('tracking numbers', () => {
  test('accepts published examples of every check-digit scheme and names the carrier', () => {
    const examples: Array<[string, string, string | undefined]> = [
      ['1Z999AA10123456784', 'UPS 1Z', undefined],
      ['1Z 999 AA1 01 2345 6784', 'UPS 1Z', undefined],
      ['9205590164917312751089', 'USPS IMpb', undefined],
      ['9361 2898 7870 0317 6337 95', 'USPS IMpb', undefined],
      ['EE123456785US', 'UPU S10', undefined],
      ['986578788855', 'FedEx Express', 'fedex'],
      ['TBA123456789012', 'Amazon TBA', undefined],
    ];
    for (const [text, expected, hint] of examples) {
      assert.equal(parseTrackingNumber(text, hint as 'fedex' | undefined)?.scheme, expected, text);
    }
  });

  test('rejects every single-character change of a valid number with a check digit', () => {
    const random = seededRandom(7);
    for (const format of trackingFormats.filter((f) => f.checked)) {
      const { value } = generateTrackingNumber(format.scheme, random.float);
      for (let i = 0; i < value.length; i++) {
        const original = value[i]!;
        if (!/\d/.test(original)) continue;
        const changed = `${value.slice(0, i)}${(Number(original) + 1) % 10}${value.slice(i + 1)}`;
        assert.equal(format.isValid(changed), false, `${format.scheme}: ${changed}`);
      }
    }
  });

  test('generated numbers are valid for their scheme and print in the carrier grouping', () => {
    const random = seededRandom(11);
    for (const format of trackingFormats) {
      for (let n = 0; n < 50; n++) {
        const tracking = generateTrackingNumber(format.scheme, random.float);
        assert.ok(format.isValid(tracking.value), `${format.scheme} ${tracking.value}`);
        assert.equal(formatTrackingNumber(tracking).replace(/ /g, ''), tracking.value);
      }
    }
    assert.equal(
      formatTrackingNumber({ scheme: 'UPS 1Z', value: '1Z999AA10123456784' }),
      '1Z 999 AA1 01 2345 6784',
    );
  });

  test('undoes O/0 and I/1 confusions when exactly one reading satisfies the check digit', () => {
    const reading = correctToFormat('IZ999AAL0I23456784', scheme('UPS 1Z'));
    assert.equal(reading?.value, '1Z999AA10123456784');
    assert.equal(reading?.corrections, 3);
    const usps = correctToFormat('92O559O164917312751O89', scheme('USPS IMpb'));
    assert.equal(usps?.value, '9205590164917312751089');
  });

  test('refuses a reading whose check digit fails however its confusable characters are read', () => {
    assert.equal(correctToFormat('1Z999AA10123456785', scheme('UPS 1Z')), null);
    assert.equal(correctToFormat('9205590164917312751088', scheme('USPS IMpb')), null);
  });

  test('refuses to guess when two corrections both satisfy the check digit', () => {
    // Find a UPS body where two different single swaps in the shipper field both validate.
    const random = seededRandom(3);
    let ambiguous: string | undefined;
    for (let n = 0; n < 20_000 && !ambiguous; n++) {
      const shipper = Array.from({ length: 6 }, () =>
        random.pick(['0', 'O', '1', 'I', '5', 'S', '8', 'B']),
      ).join('');
      const digits = Array.from({ length: 10 }, () => String(random.int(0, 9))).join('');
      const read = `1Z${shipper}${digits}`;
      const format = scheme('UPS 1Z');
      const valid: string[] = [];
      const options = [...shipper].map((c) => [
        c,
        { '0': 'O', O: '0', '1': 'I', I: '1', '5': 'S', S: '5', '8': 'B', B: '8' }[c]!,
      ]);
      for (let i = 0; i < 6; i++) {
        const variant = `1Z${shipper.slice(0, i)}${options[i]![1]}${shipper.slice(i + 1)}${digits}`;
        if (format.isValid(variant)) valid.push(variant);
      }
      if (!format.isValid(read) && valid.length >= 2) ambiguous = read;
    }
    assert.ok(ambiguous, 'test setup found an ambiguous reading');
    assert.equal(correctToFormat(ambiguous, scheme('UPS 1Z')), null);
  });

  test('does not correct an Amazon number, which has no check digit to confirm it', () => {
    assert.equal(correctToFormat('TBA12345678901O', scheme('Amazon TBA')), null);
    assert.equal(correctToFormat('TBA123456789010', scheme('Amazon TBA'))?.value, 'TBA123456789010');
  });

  test('finds a grouped number among the other lines of a label', () => {
    const found = findTrackingNumbers([
      'SHIP TO: PRIYA SHARMA',
      'PHONE 510 555 0182',
      'TRACKING #: 1Z 999 AAl 01 2345 6784',
      'REF 2024-11-03',
    ]);
    assert.deepEqual(
      found.map((f) => [f.value, f.line]),
      [['1Z999AA10123456784', 2]],
    );
  });

  test('proposes short all-digit schemes only when the label names their carrier', () => {
    const lines = ['TRK# 9865 7878 8855', 'CALL 4155550182'];
    assert.deepEqual(findTrackingNumbers(lines), []);
    assert.equal(findTrackingNumbers(lines, ['fedex'])[0]?.value, '986578788855');
  });

  test('reads the tracking number out of carriers’ barcode payloads', () => {
    assert.equal(
      trackingNumberFromBarcode('(420)94607(92)05590164917312751089')?.value,
      '9205590164917312751089',
    );
    assert.equal(
      trackingNumberFromBarcode('42094607\u001d9205590164917312751089')?.value,
      '9205590164917312751089',
    );
    assert.equal(trackingNumberFromBarcode('1Z999AA10123456784')?.scheme, 'UPS 1Z');
    const ground = generateTrackingNumber('FedEx Ground', seededRandom(5).float).value;
    assert.equal(trackingNumberFromBarcode(`9612019${ground}`)?.value, ground);
    assert.equal(trackingNumberFromBarcode('0000000000000000000000986578788855')?.value, '986578788855');
    assert.equal(trackingNumberFromBarcode('https://example.org/not-a-label'), null);
  });

  test('prefers a 22-digit IMpb over the 20 digits at its start that pass a check of their own', () => {
    const short = trackingFormats.find((f) => f.scheme === 'USPS IMpb (20)')!;
    const long = trackingFormats.find((f) => f.scheme === 'USPS IMpb')!;
    const value20 = short.complete('9400111202555842761');
    const value22 = long.complete(`${value20}4`);
    assert.ok(short.isValid(value20) && long.isValid(value22) && value22.startsWith(value20));
    const found = findTrackingNumbers([`USPS TRACKING # ${long.print(value22)}`]);
    assert.deepEqual(
      found.map((t) => t.value),
      [value22],
    );
  });

  test('prefers the number read in its carrier’s print groups over a run of digits that also checks', () => {
    const ground = trackingFormats.find((f) => f.scheme === 'FedEx Ground')!;
    const value = ground.complete('50191865104796');
    // "0201" is the routing code printed beside the number; joined with the number's first
    // groups it can form another valid 15-digit run.
    const found = findTrackingNumbers([`TRK# 0201 ${ground.print(value)}`], ['fedex']);
    assert.equal(found[0]?.value, value);
    assert.equal(found[0]?.grouped, true);
  });
});
