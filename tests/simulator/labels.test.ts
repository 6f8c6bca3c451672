import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { readLabelBarcodes } from '../../pipelines/labels/barcode-reader.ts';
import { parseTrackingNumber } from '../../pipelines/labels/tracking-numbers.ts';
import { generateLabel, labelLayoutIds, planLabel } from '../../simulator/index.ts';

describe('synthetic label generator', () => {
  it('gives the same bytes and truth for the same seed and index, and different labels otherwise', async () => {
    const a = await generateLabel({ seed: 7, index: 3 });
    const b = await generateLabel({ seed: 7, index: 3 });
    const c = await generateLabel({ seed: 8, index: 3 });
    assert.ok(a.image.equals(b.image));
    assert.deepEqual(a.truth, b.truth);
    assert.notEqual(a.truth.tracking.value, c.truth.tracking.value);
  });

  it('prints tracking numbers whose check digits hold, for every carrier layout', () => {
    for (const layout of labelLayoutIds) {
      for (let index = 0; index < 15; index++) {
        const { content } = planLabel({ seed: 11, index, layout });
        const checked = parseTrackingNumber(content.tracking.value);
        assert.equal(
          checked?.value,
          content.tracking.value,
          `${layout} #${index}: ${content.tracking.value} fails its own check digit`,
        );
      }
    }
  });

  it('draws barcodes that decode to the truth when they are not covered', async () => {
    const { image, truth } = await generateLabel({
      seed: 5,
      index: 0,
      layout: 'ups',
      barcodeOccluded: false,
      difficulty: 'clean',
    });
    const { data, info } = await sharp(image).greyscale().raw().toBuffer({ resolveWithObject: true });
    const found = await readLabelBarcodes({
      data: new Uint8Array(data),
      width: info.width,
      height: info.height,
      channels: 1,
    });
    const tracking = truth.barcodes.find((b) => b.carriesTracking);
    assert.ok(tracking, 'a UPS label carries its tracking number in a barcode');
    assert.ok(
      found.some((b) => b.text.includes(truth.tracking.value)),
      `expected a barcode holding ${truth.tracking.value}, read ${JSON.stringify(found.map((b) => b.text))}`,
    );
  });

  it('refuses options it cannot honour with the reason', () => {
    assert.throws(() => planLabel({ seed: 1.5, index: 0 }), /seed must be an integer/);
    assert.throws(() => planLabel({ seed: 1, index: -1 }), /index must be a whole number/);
    assert.throws(() => planLabel({ seed: 1, index: 0, roster: [] }), /roster is empty/);
    assert.throws(
      () => planLabel({ seed: 1, index: 0, outsiderRate: 2 }),
      /outsiderRate must be between 0 and 1/,
    );
  });
});
