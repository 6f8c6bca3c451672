import type { Homography } from '../../calibration/index.ts';
import type { RawImage } from '../../models/index.ts';

/**
 * Resamples an image (greyscale, RGB or RGBA) through a homography: each output pixel (x, y)
 * takes the bilinear sample at `outputToInput(x, y)` in the source; outside the source is
 * `fill`, one value for every channel or one per channel (an RGBA caller passes a transparent
 * fill so the warped image can be laid over a background).
 * Written out by hand because sharp offers affine transforms only, and a label held at an
 * angle to the camera is a projective one.
 */
export function warpPerspective(
  source: RawImage,
  outputToInput: Homography,
  width: number,
  height: number,
  fill: number | readonly number[] = 255,
): RawImage {
  const { channels } = source;
  if (channels !== 1 && channels !== 3 && channels !== 4) {
    throw new RangeError(`warpPerspective expects 1, 3 or 4 channels, not ${channels}`);
  }
  const fills = typeof fill === 'number' ? new Array<number>(channels).fill(fill) : [...fill];
  if (fills.length !== channels) {
    throw new RangeError(`warpPerspective: fill has ${fills.length} values for a ${channels}-channel image`);
  }
  if (channels === 1) return warpGrey(source, outputToInput, width, height, fills[0]!);
  const out = new Uint8Array(width * height * channels);
  const { data, width: sw, height: sh } = source;
  const stride = sw * channels;
  const [a, b, c, d, e, f, g, h, i] = outputToInput;
  for (let y = 0; y < height; y++) {
    let xn = b * y + c;
    let yn = e * y + f;
    let wn = h * y + i;
    for (let x = 0, o = y * width * channels; x < width; x++, xn += a, yn += d, wn += g, o += channels) {
      const sx = xn / wn;
      const sy = yn / wn;
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      if (x0 < 0 || y0 < 0 || x0 >= sw - 1 || y0 >= sh - 1) {
        for (let k = 0; k < channels; k++) out[o + k] = fills[k]!;
        continue;
      }
      const fx = sx - x0;
      const fy = sy - y0;
      const p = y0 * stride + x0 * channels;
      for (let k = 0; k < channels; k++) {
        const q = p + k;
        const top = data[q]! + (data[q + channels]! - data[q]!) * fx;
        const bottom = data[q + stride]! + (data[q + stride + channels]! - data[q + stride]!) * fx;
        out[o + k] = top + (bottom - top) * fy + 0.5;
      }
    }
  }
  return { data: out, width, height, channels };
}

/** The one-channel case kept separate: the label reader runs it on every photo. */
function warpGrey(
  source: RawImage,
  outputToInput: Homography,
  width: number,
  height: number,
  fill: number,
): RawImage {
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
      const [ox, oy] =
        t === 1 ? [height - 1 - y, x] : t === 2 ? [width - 1 - x, height - 1 - y] : [y, width - 1 - x];
      out[oy * outWidth + ox] = data[y * width + x]!;
    }
  }
  return { data: out, width: outWidth, height: outHeight, channels: 1 };
}
