import sharp, { type Metadata } from 'sharp';
import type { RawImage } from '../../models/index.ts';
import { LabelImageError } from './label-errors.ts';

export interface LabelImageLimits {
  /** Encoded images larger than this are refused before decoding. */
  maxBytes: number;
  /** Images with more pixels than this are refused (a decompression bomb, not a photo). */
  maxInputPixels: number;
  /** Larger photos are shrunk so their long side is this; text on a label stays readable. */
  maxSidePx: number;
}

export const defaultLabelImageLimits: LabelImageLimits = {
  maxBytes: 25 * 1024 * 1024,
  // A 40-megapixel phone photo is a legitimate upload; 100 MP is not a kiosk camera.
  maxInputPixels: 100_000_000,
  maxSidePx: 2000,
};

export interface LoadedLabelImage {
  /** RGB pixels, at most maxSidePx on the long side, EXIF orientation applied. */
  rgb: RawImage;
  grey: RawImage;
  /** The size the image came in. */
  originalWidth: number;
  originalHeight: number;
  /** rgb.width / originalWidth. */
  scale: number;
}

const acceptedFormats = new Set(['jpeg', 'png', 'webp', 'tiff', 'gif', 'heif', 'avif']);

/**
 * Decodes an uploaded label photo with bounded cost: the byte size and pixel count are checked
 * before any pixel is decoded, and big photos are shrunk on load, so a 40-megapixel image
 * costs little more than a small one and a hostile one is refused.
 */
export async function loadLabelImage(
  bytes: Buffer,
  limits: LabelImageLimits = defaultLabelImageLimits,
): Promise<LoadedLabelImage> {
  if (bytes.length === 0) throw new LabelImageError('the label image is empty (0 bytes)');
  if (bytes.length > limits.maxBytes) {
    throw new LabelImageError(
      `the label image is ${(bytes.length / 1024 / 1024).toFixed(1)} MB; the limit is ${(limits.maxBytes / 1024 / 1024).toFixed(0)} MB`,
    );
  }
  let meta: Metadata;
  try {
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch {
    throw new LabelImageError('the label image is not an image sharp can read (expected JPEG, PNG or WebP)');
  }
  if (!meta.format || !acceptedFormats.has(meta.format) || !meta.width || !meta.height) {
    throw new LabelImageError(`the label image has an unsupported format (${meta.format ?? 'unknown'})`);
  }
  const rotated = (meta.orientation ?? 1) >= 5;
  const originalWidth = rotated ? meta.height : meta.width;
  const originalHeight = rotated ? meta.width : meta.height;
  if (originalWidth * originalHeight > limits.maxInputPixels) {
    throw new LabelImageError(
      `the label image is ${originalWidth}×${originalHeight} (${((originalWidth * originalHeight) / 1e6).toFixed(0)} MP); the limit is ${(limits.maxInputPixels / 1e6).toFixed(0)} MP`,
    );
  }
  if (originalWidth < 32 || originalHeight < 32) {
    throw new LabelImageError(
      `the label image is ${originalWidth}×${originalHeight}; a label needs at least 32×32 pixels`,
    );
  }
  const scale = Math.min(1, limits.maxSidePx / Math.max(originalWidth, originalHeight));
  const width = Math.max(1, Math.round(originalWidth * scale));
  const height = Math.max(1, Math.round(originalHeight * scale));
  try {
    const base = sharp(bytes, { limitInputPixels: limits.maxInputPixels, failOn: 'error' })
      .rotate()
      .resize(width, height, { fit: 'fill' })
      .removeAlpha();
    const [rgb, grey] = await Promise.all([
      base.clone().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true }),
      base.clone().greyscale().raw().toBuffer({ resolveWithObject: true }),
    ]);
    return {
      rgb: { data: toBytes(rgb.data), width: rgb.info.width, height: rgb.info.height, channels: 3 },
      grey: { data: toBytes(grey.data), width: grey.info.width, height: grey.info.height, channels: 1 },
      originalWidth,
      originalHeight,
      scale,
    };
  } catch (error) {
    throw new LabelImageError(`the label image is damaged: ${(error as Error).message}`);
  }
}

function toBytes(buffer: Buffer): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.length);
}
