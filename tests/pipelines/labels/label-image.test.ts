import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { LabelImageError, loadLabelImage } from '../../../pipelines/labels/index.ts';

const solid = (width: number, height: number) =>
  sharp({ create: { width, height, channels: 3, background: { r: 200, g: 180, b: 150 } } });

describe('loadLabelImage', () => {
  it('refuses an empty upload and bytes that are not an image, saying so', async () => {
    await assert.rejects(
      loadLabelImage(Buffer.alloc(0)),
      (e: Error) => e instanceof LabelImageError && /empty/.test(e.message),
    );
    await assert.rejects(
      loadLabelImage(Buffer.from('%PDF-1.7 this is a document, not a photo')),
      (e: Error) => e instanceof LabelImageError && /not an image/.test(e.message),
    );
  });

  it('refuses an image with no pixels worth reading', async () => {
    const tiny = await solid(20, 12).png().toBuffer();
    await assert.rejects(
      loadLabelImage(tiny),
      (e: Error) => e instanceof LabelImageError && /20×12/.test(e.message),
    );
  });

  it('refuses a damaged JPEG with a clear error instead of crashing', async () => {
    const jpeg = await solid(640, 480).jpeg().toBuffer();
    // Keep the header (so the size is known) and garble the entropy-coded data.
    const damaged = Buffer.from(jpeg);
    for (let i = 400; i < damaged.length - 2; i += 7) damaged[i] = 0xff;
    const truncated = jpeg.subarray(0, 300);
    for (const bytes of [damaged, truncated]) {
      await assert.rejects(
        loadLabelImage(bytes),
        (e: Error) => e instanceof LabelImageError && /damaged|not an image/.test(e.message),
      );
    }
  });

  it('shrinks a 40-megapixel photo on load, within the limit', async () => {
    const big = await solid(8000, 5000).jpeg({ quality: 60 }).toBuffer();
    const image = await loadLabelImage(big);
    assert.equal(image.originalWidth, 8000);
    assert.equal(image.originalHeight, 5000);
    assert.equal(image.rgb.width, 2000);
    assert.equal(image.rgb.height, 1250);
    assert.equal(image.grey.channels, 1);
    assert.equal(image.grey.data.length, 2000 * 1250);
  });

  it('refuses a decompression bomb before decoding it', async () => {
    // 20000×20000 of one colour compresses to a few hundred kilobytes but is 400 MP.
    const bomb = await sharp({
      create: { width: 20000, height: 20000, channels: 3, background: '#000' },
      limitInputPixels: false,
    })
      .png({ compressionLevel: 9 })
      .toBuffer();
    await assert.rejects(
      loadLabelImage(bomb),
      (e: Error) => e instanceof LabelImageError && /\(400 MP\); the limit is 100 MP/.test(e.message),
    );
  });

  it('refuses an upload over the byte limit', async () => {
    const png = await solid(100, 100).png().toBuffer();
    await assert.rejects(
      loadLabelImage(png, { maxBytes: 100, maxInputPixels: 1e8, maxSidePx: 2000 }),
      (e: Error) => e instanceof LabelImageError && /limit is/.test(e.message),
    );
  });

  it('applies the EXIF orientation of a phone photo', async () => {
    const portraitShot = await solid(300, 200).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    const image = await loadLabelImage(portraitShot);
    assert.equal(image.rgb.width, 200);
    assert.equal(image.rgb.height, 300);
  });
});
