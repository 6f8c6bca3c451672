import sharp from 'sharp';
import type { BoxLike } from '../tracking/index.ts';

export interface Evidence {
  /** The whole frame with the object's box drawn. */
  frameJpeg: Buffer;
  /** The object and a margin around it, at the frame's resolution. */
  cropJpeg: Buffer;
}

/**
 * The pictures staff and residents see: the frame as the camera sent it with the box drawn in,
 * and a crop around the box. `box` is in the pixels of `boxSpace` (the layout's resolution, which
 * a stream may not match), or in the frame's own pixels when `boxSpace` is absent.
 */
export async function makeEvidence(
  jpeg: Buffer,
  boxIn: BoxLike,
  boxSpace?: { width: number; height: number },
  colour = '#ff3b30',
): Promise<Evidence> {
  const meta = await sharp(jpeg).metadata();
  const width = meta.width!;
  const height = meta.height!;
  const sx = boxSpace ? width / boxSpace.width : 1;
  const sy = boxSpace ? height / boxSpace.height : 1;
  const box = { x: boxIn.x * sx, y: boxIn.y * sy, width: boxIn.width * sx, height: boxIn.height * sy };
  const stroke = Math.max(2, Math.round(width / 320));
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect x="${box.x}" y="${box.y}" width="${box.width}" height="${box.height}" fill="none" stroke="${colour}" stroke-width="${stroke}"/></svg>`;
  const frameJpeg = await sharp(jpeg)
    .composite([{ input: Buffer.from(svg), top: 0, left: 0 }])
    .jpeg({ quality: 85 })
    .toBuffer();
  const margin = Math.max(box.width, box.height) * 0.35;
  const left = Math.max(0, Math.floor(box.x - margin));
  const top = Math.max(0, Math.floor(box.y - margin));
  const right = Math.min(width, Math.ceil(box.x + box.width + margin));
  const bottom = Math.min(height, Math.ceil(box.y + box.height + margin));
  const cropJpeg = await sharp(jpeg)
    .extract({ left, top, width: Math.max(1, right - left), height: Math.max(1, bottom - top) })
    .jpeg({ quality: 90 })
    .toBuffer();
  return { frameJpeg, cropJpeg };
}
