import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createLabelOcrEngines, type LabelOcrEngines } from '../../../models/index.ts';
import type { ServerMessage } from '../../../services/kiosk/index.ts';
import { demoResidents } from '../../../services/seed/index.ts';
import { defaultBuilding, generateLabel } from '../../../simulator/index.ts';
import { KioskClient, type KioskWorld, openKioskWorld } from './kiosk-harness.ts';

describe('label capture at the kiosk', () => {
  let w: KioskWorld;
  let engines: Promise<LabelOcrEngines>;
  let c: KioskClient;

  before(async () => {
    engines = createLabelOcrEngines('tesseract.js', 'none', { workers: 1 });
    w = await openKioskWorld({ ocrEngines: engines, building: defaultBuilding });
    c = await KioskClient.authenticated(w.wsUrl);
    await c.request({ type: 'courier_login', pin: w.seeded.courierPins[0]!.pin });
  });
  after(async () => {
    await c?.close();
    await w?.close();
    await (await engines).close();
  });

  test('a photo of a label is read into its tracking number and the right resident first', async () => {
    const roster = demoResidents();
    const { image, truth } = await generateLabel({
      seed: 31,
      index: 2,
      roster,
      layout: 'ups',
      barcodeOccluded: false,
      outsiderRate: 0,
      difficulty: 'clean',
    });
    const reply = await c.request({ type: 'label_image', jpegBase64: image.toString('base64') });
    assert.equal(reply.type, 'label_reading', JSON.stringify(reply));
    const reading = reply as Extract<ServerMessage, { type: 'label_reading' }>;
    assert.equal(reading.source, 'image');
    assert.equal(reading.trackingNumber, truth.tracking.value);
    assert.equal(reading.carrier, 'ups');
    const expected = roster[truth.recipient.residentIndex!]!;
    assert.deepEqual(
      [reading.candidates[0]?.firstName, reading.candidates[0]?.lastName, reading.candidates[0]?.apartment],
      [expected.firstName, expected.lastName, expected.apartment],
      JSON.stringify(reading),
    );
    assert.ok(reading.candidates[0]!.score! > 0.5);

    const awaiting = await c.request({
      type: 'recipient_confirm',
      readingId: reading.readingId,
      residentId: reading.candidates[0]!.residentId,
    });
    assert.equal(awaiting.type, 'awaiting_placement');
    const { rows } = await w.db.query<{ tracking_number: string; carrier: string; resident_id: string }>(
      'SELECT tracking_number, carrier, resident_id FROM packages WHERE id = $1',
      [(awaiting as { packageId: string }).packageId],
    );
    assert.deepEqual(rows[0], {
      tracking_number: truth.tracking.value,
      carrier: 'ups',
      resident_id: reading.candidates[0]!.residentId,
    });
    // A reading is confirmed once.
    const again = await c.request({
      type: 'recipient_confirm',
      readingId: reading.readingId,
      residentId: reading.candidates[0]!.residentId,
    });
    assert.equal(again.type === 'error' && again.code, 'unknown_reading');
  });

  test('a picture that is not a usable photo is refused as unreadable and registers nothing', async () => {
    const { rows: before } = await w.db.query<{ n: number }>('SELECT count(*)::int AS n FROM packages');
    const reply = await c.request({
      type: 'label_image',
      jpegBase64: Buffer.from('not a jpeg at all').toString('base64'),
    });
    assert.equal(reply.type === 'error' && reply.code, 'label_unreadable');
    const { rows: after } = await w.db.query<{ n: number }>('SELECT count(*)::int AS n FROM packages');
    assert.equal(after[0]!.n, before[0]!.n);
  });
});
