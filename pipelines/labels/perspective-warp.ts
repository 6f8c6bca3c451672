import type { Homography } from '../../calibration/index.ts';
import type { RawImage } from '../../models/index.ts';

/**
 * Resamples a greyscale image through a homography: each output pixel (x, y) takes the
 * bilinear sample at `outputToInput(x, y)` in the source; outside the source is `fill`.
 * Written out by hand because sharp offers affine transforms only, and a label held at an
 * angle to the camera is a projective one.
 */
export function warpPerspective(
  source: RawImage,
  outputToInput: Homography,
  width: number,
  height: number,
  fill = 255,
): RawImage {
  if (source.channels !== 1) throw new RangeError('warpPerspective expects a greyscale image');
  const out = new Uint8Array(width * height);
  const { data, width: sw, height: sh } = source;
  const [a, b, c, d, e, f, g, h, i] = outputToInput;
  for (let y = 0; y < height; y++) {
    // The row's homogeneous coordinates advance linearly; only the division is per pixel.
    let xn = b * y + c;
    let yn = e * y + f;
    let wn = h * y + i;
    for (let x = 0; x < width; x++, xn += a, yn += d, wn += g) {
      const sx = xn / wn;
      const sy = yn / wn;
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      if (x0 < 0 || y0 < 0 || x0 >= sw - 1 || y0 >= sh - 1) {
        out[y * width + x] = fill;
        continue;
      }
      const fx = sx - x0;
      const fy = sy - y0;
      const p = y0 * sw + x0;
      const top = data[p]! + (data[p + 1]! - data[p]!) * fx;
      const bottom = data[p + sw]! + (data[p + sw + 1]! - data[p + sw]!) * fx;
      out[y * width + x] = top + (bottom - top) * fy + 0.5;
    }
  }
  return { data: out, width, height, channels: 1 };
}

/** A quarter, half or three-quarter turn of a greyscale image, clockwise. */
export function rotateQuarterTurns(image: RawImage, turns: number): RawImage {
  const t = ((turns % 4) + 4) % 4;
  if (t === 0) return image;
  const { data, width, height } = image;
  const outWidth = t === 2 ? width : height;
  const outHeight = t === 2 ? height : width;
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [ox, oy] = t === 1 ? [height - 1 - y, x] : t === 2 ? [width - 1 - x, height - 1 - y] : [y, width - 1 - x];
      out[oy * outWidth + ox] = data[y * width + x]!;
    }
  }
  return { data: out, width: outWidth, height: outHeight, channels: 1 };
}
