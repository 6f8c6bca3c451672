import bwipjs from 'bwip-js';

export type BarcodeKind = 'code128' | 'gs1-128' | 'pdf417' | 'datamatrix' | 'qrcode';

/** A symbol as black rectangles, `x y width height` in label pixels from its top left. */
export interface BarcodeSymbol {
  kind: BarcodeKind;
  payload: string;
  width: number;
  height: number;
  rects: number[];
}

export interface BarcodeSize {
  /** Width of the narrowest bar or of one 2D module, in label pixels (whole pixels stay crisp). */
  modulePx: number;
  /** Bar height for linear symbols; 2D symbols keep their own aspect. */
  heightPx?: number;
}

const bwipOptions: Partial<Record<BarcodeKind, Record<string, unknown>>> = {
  pdf417: { columns: 6, eclevel: 3 },
  qrcode: { eclevel: 'M' },
};

/** PDF417 rows are printed three modules tall, as carriers print them. */
const pdf417RowModules = 3;

interface LinearEncoding {
  /** Bar and space widths in modules, starting with a bar. */
  sbs: number[];
}

interface MatrixEncoding {
  pixs: number[];
  pixx: number;
}

/**
 * Encodes with bwip-js and lays the symbol out as rectangles, painted straight into the label's
 * pixels: bwip-js's own SVG output costs more to trace than the whole label costs to draw.
 */
export function renderBarcode(kind: BarcodeKind, payload: string, size: BarcodeSize): BarcodeSymbol {
  const [encoding] = bwipjs.raw({ bcid: kind, text: payload, ...bwipOptions[kind] } as Parameters<
    typeof bwipjs.raw
  >[0]) as unknown as Array<LinearEncoding | MatrixEncoding>;
  if (!encoding) throw new Error(`bwip-js could not encode ${kind} "${payload}"`);
  const m = size.modulePx;
  const rects: number[] = [];
  if ('sbs' in encoding) {
    const height = size.heightPx ?? 100;
    let x = 0;
    encoding.sbs.forEach((modules, i) => {
      if (i % 2 === 0) rects.push(x, 0, modules * m, height);
      x += modules * m;
    });
    return { kind, payload, width: x, height, rects };
  }
  const { pixs, pixx } = encoding;
  // bwip-js's pixy counts PDF417 rows at its own row height; the module matrix has one row each.
  const rows = pixs.length / pixx;
  const rowHeight = kind === 'pdf417' ? m * pdf417RowModules : m;
  for (let row = 0; row < rows; row++) {
    // Runs of dark modules along a row become one rectangle.
    let start = -1;
    for (let col = 0; col <= pixx; col++) {
      const dark = col < pixx && pixs[row * pixx + col] === 1;
      if (dark && start < 0) start = col;
      if (!dark && start >= 0) {
        rects.push(start * m, row * rowHeight, (col - start) * m, rowHeight);
        start = -1;
      }
    }
  }
  return { kind, payload, width: pixx * m, height: rows * rowHeight, rects };
}

/** The widest whole-pixel module that keeps a linear symbol within `maxWidth`. */
export function fitLinearBarcode(
  kind: BarcodeKind,
  payload: string,
  maxWidth: number,
  heightPx: number,
  preferredModulePx = 3,
): BarcodeSymbol {
  const unit = renderBarcode(kind, payload, { modulePx: 1, heightPx });
  const modulePx = Math.max(1, Math.min(preferredModulePx, Math.floor(maxWidth / unit.width)));
  return modulePx === 1 ? unit : renderBarcode(kind, payload, { modulePx, heightPx });
}
