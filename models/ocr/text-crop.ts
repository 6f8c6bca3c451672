/**
 * Cuts a rotated text box out of an image, level and scaled to the recogniser's input height,
 * straight into the recognition tensor. PP-OCR warps each box to its own image and then resizes
 * it; sampling once does both and costs one pass over the output pixels only.
 */

import type { Point2 } from '../../calibration/geometry/index.ts';
import { rectangleCorners } from './db-text-boxes.ts';

/** Decoded pixels the crops are taken from: interleaved RGB, 8 bits. */
export interface RgbPixels {
  data: Uint8Array;
  width: number;
  height: number;
}

/** Where a text crop lies in the source image: output pixel (u, v) ↦ origin + u·xAxis + v·yAxis. */
export interface TextCrop {
  origin: Point2;
  /** Unit vector along the text. */
  xAxis: Point2;
  /** Unit vector from the top of the text to its bottom. */
  yAxis: Point2;
  width: number;
  height: number;
}

/**
 * The crop of a rotated box (its `width` side within ±π/4 of horizontal), with `margin` × the
 * text's height added above and below it. A box 1.5 times taller
 * than wide is taken as text set vertically and turned a quarter counter-clockwise, as PP-OCR
 * does; text running the other way comes out upside down, and PP-OCR would need its angle
 * classifier for that.
 */
export function cropForBox(
  detected: { centre: Point2; width: number; height: number; angleRad: number },
  margin = 0,
): TextCrop {
  const vertical = detected.height >= 1.5 * detected.width;
  // The margin goes across the text: above and below it, whichever way it runs.
  const box = vertical
    ? { ...detected, width: detected.width * (1 + 2 * margin) }
    : { ...detected, height: detected.height * (1 + 2 * margin) };
  const [topLeft, topRight] = rectangleCorners(box);
  const xAxis: Point2 = [Math.cos(box.angleRad), Math.sin(box.angleRad)];
  const yAxis: Point2 = [-Math.sin(box.angleRad), Math.cos(box.angleRad)];
  if (vertical) {
    return {
      origin: topRight,
      xAxis: yAxis,
      yAxis: [-xAxis[0], -xAxis[1]],
      width: box.height,
      height: box.width,
    };
  }
  return { origin: topLeft, xAxis, yAxis, width: box.width, height: box.height };
}

/**
 * Writes `crop`, scaled to `outputWidth × outputHeight`, into plane-major BGR slot `batchIndex`
 * of a `[batch, 3, outputHeight, tensorWidth]` tensor, normalised to [-1, 1] as PP-OCR's
 * recogniser was trained. Columns right of `outputWidth` are left as they are (zero: PP-OCR pads
 * with zeros after normalising). Outside the image the nearest edge pixel is repeated.
 */
export function writeCropToTensor(
  source: RgbPixels,
  crop: TextCrop,
  tensor: Float32Array,
  batchIndex: number,
  tensorWidth: number,
  outputWidth: number,
  outputHeight: number,
): void {
  const plane = outputHeight * tensorWidth;
  const base = batchIndex * 3 * plane;
  const stepU = crop.width / outputWidth;
  const stepV = crop.height / outputHeight;
  // Shrinking by more than a pixel per pixel skips source pixels; averaging a few samples per
  // output pixel keeps thin strokes of large print from breaking up.
  const samples = Math.min(4, Math.max(1, Math.ceil(Math.max(stepU, stepV))));
  const inverse = 1 / (samples * samples);
  const [ox, oy] = crop.origin;
  const [ax, ay] = crop.xAxis;
  const [bx, by] = crop.yAxis;
  const rgb = [0, 0, 0];
  for (let v = 0; v < outputHeight; v++) {
    for (let u = 0; u < outputWidth; u++) {
      rgb[0] = 0;
      rgb[1] = 0;
      rgb[2] = 0;
      for (let sv = 0; sv < samples; sv++) {
        const cv = (v + (sv + 0.5) / samples) * stepV;
        for (let su = 0; su < samples; su++) {
          const cu = (u + (su + 0.5) / samples) * stepU;
          sampleBilinear(source, ox + cu * ax + cv * bx, oy + cu * ay + cv * by, rgb);
        }
      }
      const offset = base + v * tensorWidth + u;
      // (x / 255 - 0.5) / 0.5, in BGR order: PP-OCR reads images with OpenCV.
      const k = inverse / 127.5;
      tensor[offset] = rgb[2]! * k - 1;
      tensor[offset + plane] = rgb[1]! * k - 1;
      tensor[offset + 2 * plane] = rgb[0]! * k - 1;
    }
  }
}

/** Adds the bilinear RGB value at continuous point (x, y) to `into`, edges repeated. */
function sampleBilinear(source: RgbPixels, x: number, y: number, into: number[]): void {
  const { data, width, height } = source;
  const fx = Math.min(Math.max(x - 0.5, 0), width - 1);
  const fy = Math.min(Math.max(y - 0.5, 0), height - 1);
  const x0 = Math.floor(fx);
  const y0 = Math.floor(fy);
  const x1 = Math.min(x0 + 1, width - 1);
  const y1 = Math.min(y0 + 1, height - 1);
  const wx = fx - x0;
  const wy = fy - y0;
  const i00 = (y0 * width + x0) * 3;
  const i01 = (y0 * width + x1) * 3;
  const i10 = (y1 * width + x0) * 3;
  const i11 = (y1 * width + x1) * 3;
  for (let c = 0; c < 3; c++) {
    const top = data[i00 + c]! + (data[i01 + c]! - data[i00 + c]!) * wx;
    const bottom = data[i10 + c]! + (data[i11 + c]! - data[i10 + c]!) * wx;
    into[c] = into[c]! + top + (bottom - top) * wy;
  }
}
