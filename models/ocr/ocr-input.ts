import sharp, { type Sharp } from 'sharp';
import type { OcrInput } from './ocr-engine.ts';

/**
 * A sharp pipeline over any OCR input: encoded bytes with their EXIF orientation applied, or raw
 * pixels after checking they add up. Transparency is laid on white, because text on a
 * transparent PNG is often stored over black and would vanish if alpha were dropped. Throws
 * (here, or from sharp when the pipeline runs) with sharp's or our message; engines wrap it.
 */
export function ocrInputPipeline(image: OcrInput): Sharp {
  if (Buffer.isBuffer(image)) {
    if (image.length === 0) throw new Error('the buffer is empty');
    return sharp(image, { failOn: 'error' }).rotate().flatten({ background: '#ffffff' });
  }
  const { width, height, channels, data } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1)
    throw new Error(`raw image size ${width}×${height} is not positive whole pixels`);
  if (![1, 3, 4].includes(channels)) throw new Error(`raw images have 1, 3 or 4 channels, not ${channels}`);
  if (data.length !== width * height * channels)
    throw new Error(`raw pixels (${data.length} bytes) do not match ${width}×${height}×${channels}`);
  return sharp(data, { raw: { width, height, channels } }).flatten({ background: '#ffffff' });
}
