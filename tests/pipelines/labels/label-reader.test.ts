import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Registry } from 'prom-client';
import sharp from 'sharp';
import { createOcrEngine, type OcrEngine } from '../../../models/index.ts';
import {
  createLabelMetrics,
  createLabelReader,
  createResidentMatcher,
  LabelImageError,
  type LabelReader,
  type ResidentRecord,
} from '../../../pipelines/labels/index.ts';
import { demoResidents } from '../../../services/seed/demo-people.ts';
import { defaultBuilding, generateLabel } from '../../../simulator/index.ts';

const roster = demoResidents();
const residents: ResidentRecord[] = roster.map((r, i) => ({ id: String(i), ...r }));

describe('label reader with tesseract.js', () => {
  let ocr: OcrEngine;
  let reader: LabelReader;
  const registry = new Registry();
  before(async () => {
    ocr = await createOcrEngine('tesseract.js', { workers: 1 });
    reader = createLabelReader({
      ocr,
      residents: createResidentMatcher(residents),
      building: defaultBuilding,
      metrics: createLabelMetrics(registry),
    });
  });
  after(() => ocr.close());

  it('reads a rotated kiosk photo: tracking number from the barcode and the right resident first', async () => {
    const { image, truth } = await generateLabel({
      seed: 31,
      index: 4,
      roster,
      layout: 'ups',
      barcodeOccluded: false,
      outsiderRate: 0,
    });
    const reading = await reader.read(image);
    assert.equal(reading.fields.tracking?.value, truth.tracking.value);
    assert.equal(reading.fields.tracking?.source, 'barcode');
    assert.equal(reading.fields.tracking?.carrier, 'ups');
    assert.equal(reading.match?.candidates[0]?.residentId, String(truth.recipient.residentIndex));
    assert.ok(reading.timings.totalMs >= reading.timings.ocrMs);
  });

  it('reads the tracking number by OCR alone, check digit confirmed, when barcodes are ignored', async () => {
    const { image, truth } = await generateLabel({
      seed: 31,
      index: 5,
      roster,
      layout: 'usps',
      outsiderRate: 0,
      difficulty: 'clean',
    });
    const reading = await reader.read(image, { barcodes: false });
    assert.equal(reading.barcodes.length, 0);
    assert.equal(reading.fields.tracking?.value, truth.tracking.value);
    assert.equal(reading.fields.tracking?.source, 'ocr');
  });

  it('does not propose anyone confidently for a label addressed to someone who does not live here', async () => {
    const { image, truth } = await generateLabel({ seed: 31, index: 9, roster, outsiderRate: 1 });
    assert.equal(truth.recipient.residentIndex, null);
    const reading = await reader.read(image);
    assert.notEqual(reading.match?.status, 'confident');
  });

  it('answers a blank 40-megapixel photo with an empty reading after a bounded downscale', async () => {
    const big = await sharp({ create: { width: 8000, height: 5000, channels: 3, background: '#b59a74' } })
      .jpeg({ quality: 70 })
      .toBuffer();
    const reading = await reader.read(big);
    assert.equal(reading.image.originalWidth, 8000);
    assert.equal(reading.fields.tracking, null);
    assert.notEqual(reading.match?.status, 'confident');
  });

  it('rejects a non-image and an empty upload with a LabelImageError and keeps serving', async () => {
    await assert.rejects(reader.read(Buffer.from('hello, not a photo')), LabelImageError);
    await assert.rejects(reader.read(Buffer.alloc(0)), LabelImageError);
    const { image, truth } = await generateLabel({
      seed: 31,
      index: 4,
      roster,
      layout: 'ups',
      barcodeOccluded: false,
      outsiderRate: 0,
    });
    assert.equal((await reader.read(image)).fields.tracking?.value, truth.tracking.value);
  });

  it('counts readings by outcome and refused photos in its metrics', async () => {
    const readings = (await registry.getSingleMetric('parcelroom_label_readings_total')?.get())?.values ?? [];
    const barcodeReads = readings
      .filter((v) => v.labels.tracking === 'barcode')
      .reduce((n, v) => n + v.value, 0);
    assert.ok(barcodeReads >= 2, `expected the barcode readings above to be counted, got ${barcodeReads}`);
    const rejected = (await registry.getSingleMetric('parcelroom_label_images_rejected_total')?.get())
      ?.values[0]?.value;
    assert.equal(rejected, 2);
    const text = await registry.metrics();
    assert.match(text, /parcelroom_label_read_seconds_count\{stage="ocr"\} [1-9]/);
  });
});
