import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { prepareZXingModule, type ReaderOptions, readBarcodes } from 'zxing-wasm/reader';
import type { RawImage } from '../../models/index.ts';
import { type TrackingNumber, trackingNumberFromBarcode } from './tracking-numbers.ts';

export type LabelBarcodeFormat = 'Code128' | 'PDF417' | 'DataMatrix' | 'QRCode';

export interface BarcodeReading {
  format: string;
  text: string;
  /** Degrees the symbol is turned from upright in the image, as ZXing measures it. */
  orientationDeg: number;
  /** Corners in the image read, clockwise from top left. */
  corners: Array<[number, number]>;
  /** The tracking number the payload carries, if it is one a carrier prints. */
  tracking: TrackingNumber | null;
}

const readerOptions: ReaderOptions = {
  formats: ['Code128', 'PDF417', 'DataMatrix', 'QRCode'],
  tryHarder: true,
  tryRotate: true,
  tryInvert: false,
  tryDownscale: true,
  maxNumberOfSymbols: 8,
};

let ready: Promise<unknown> | undefined;

/**
 * Loads ZXing's WebAssembly from node_modules. Left to itself the package would fetch the
 * .wasm from a CDN, which a package room's network must not depend on.
 */
function prepare(): Promise<unknown> {
  ready ??= (async () => {
    const require = createRequire(import.meta.url);
    const wasm = readFileSync(require.resolve('zxing-wasm/reader/zxing_reader.wasm'));
    const binary = wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength);
    return prepareZXingModule({ overrides: { wasmBinary: binary }, fireImmediately: true });
  })();
  return ready;
}

/** Every Code 128, PDF417, DataMatrix and QR symbol in the image. */
export async function readLabelBarcodes(image: RawImage): Promise<BarcodeReading[]> {
  await prepare();
  const rgba = new Uint8ClampedArray(image.width * image.height * 4);
  const { data, channels } = image;
  for (let i = 0, o = 0; o < rgba.length; i += channels, o += 4) {
    const r = data[i]!;
    rgba[o] = r;
    rgba[o + 1] = channels >= 3 ? data[i + 1]! : r;
    rgba[o + 2] = channels >= 3 ? data[i + 2]! : r;
    rgba[o + 3] = 255;
  }
  const results = await readBarcodes(
    { data: rgba, width: image.width, height: image.height, colorSpace: 'srgb' },
    readerOptions,
  );
  return results
    .filter((r) => r.isValid)
    .map((r) => ({
      format: r.format,
      text: r.text,
      orientationDeg: r.orientation,
      corners: [r.position.topLeft, r.position.topRight, r.position.bottomRight, r.position.bottomLeft].map(
        (p) => [p.x, p.y] as [number, number],
      ),
      tracking: trackingNumberFromBarcode(r.text),
    }));
}
