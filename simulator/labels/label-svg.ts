import type { BarcodeSymbol } from './label-barcodes.ts';
import type { LabelBox } from './label-truth.ts';

/** The fonts a Debian kiosk has (fonts-dejavu-core, fonts-liberation2); thermal printers use such faces. */
export type LabelFont = 'DejaVu Sans' | 'DejaVu Sans Mono' | 'Liberation Sans' | 'Liberation Mono';

export interface TextStyle {
  font: LabelFont;
  /** Font size in label pixels (200 dpi: 28 px is a 10-point line). */
  size: number;
  bold?: boolean;
  /** Slanted, as DHL's logotype. */
  oblique?: boolean;
  anchor?: 'start' | 'middle' | 'end';
  /** Text colour; white for reversed print on a black band. */
  fill?: string;
}

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * Advance widths in ems, measured once from the installed fonts and rounded up: the boxes they
 * give must contain the ink, because occluders and glare are kept out of them.
 */
function charEms(char: string, font: LabelFont, bold: boolean): number {
  if (font.endsWith('Mono')) return 0.61;
  const dejaVu = font === 'DejaVu Sans';
  if (char === ' ') return bold ? 0.42 : 0.38;
  if (char === 'W' || char === 'm' || char === 'w' || char === 'M') return bold ? 1.1 : 1.0;
  if (char >= 'A' && char <= 'Z') return dejaVu ? (bold ? 0.8 : 0.72) : 0.74;
  if (char >= '0' && char <= '9') return dejaVu ? (bold ? 0.7 : 0.64) : 0.56;
  if (char >= 'a' && char <= 'z') return dejaVu ? (bold ? 0.66 : 0.6) : bold ? 0.58 : 0.54;
  if (/[.,:;'|!il]/.test(char)) return 0.35;
  return dejaVu ? 0.8 : 0.75;
}

export function textWidth(text: string, style: TextStyle): number {
  let ems = 0;
  for (const char of text) ems += charEms(char, style.font, style.bold ?? false);
  return ems * style.size;
}

export interface TextOptions {
  /** The text is shrunk, never wrapped, to fit this width: a long name stays on one line. */
  maxWidth?: number;
}

/**
 * Builds one label: text and rules as SVG, barcodes and dot patterns as black rectangles painted
 * into the rendered pixels afterwards (exact to the pixel, and far cheaper than SVG paths).
 */
export class LabelCanvas {
  private readonly parts: string[] = [];
  /** `x y width height` quadruples. */
  readonly blackRects: number[] = [];

  constructor(
    readonly width: number,
    readonly height: number,
  ) {}

  /** Draws one line of text with its baseline at `y`; returns the box its ink can occupy. */
  text(x: number, y: number, content: string, style: TextStyle, options: TextOptions = {}): LabelBox {
    let size = style.size;
    const natural = textWidth(content, style);
    if (options.maxWidth !== undefined && natural > options.maxWidth) {
      size = Math.max(10, Math.floor((style.size * options.maxWidth) / natural));
    }
    const width = textWidth(content, { ...style, size });
    const anchor = style.anchor ?? 'start';
    const left = anchor === 'start' ? x : anchor === 'middle' ? x - width / 2 : x - width;
    const attributes = [
      `x="${round(x)}"`,
      `y="${round(y)}"`,
      `font-family="${style.font}"`,
      `font-size="${round(size)}"`,
      style.bold ? 'font-weight="bold"' : '',
      style.oblique ? 'font-style="oblique"' : '',
      anchor === 'start' ? '' : `text-anchor="${anchor}"`,
      style.fill ? `fill="${style.fill}"` : '',
      // Shipping software pads columns with runs of spaces; SVG would collapse them.
      content.includes('  ') ? 'xml:space="preserve"' : '',
    ].filter(Boolean);
    this.parts.push(`<text ${attributes.join(' ')}>${escapeXml(content)}</text>`);
    // Capitals reach about 0.76 em above the baseline in these faces, descenders 0.24 below.
    return { x: left, y: y - 0.8 * size, width, height: 1.05 * size };
  }

  rect(box: LabelBox, options: { fill?: string; stroke?: number; rx?: number } = {}): LabelBox {
    const { fill = '#000', stroke, rx } = options;
    const paint =
      stroke === undefined ? `fill="${fill}"` : `fill="none" stroke="#000" stroke-width="${stroke}"`;
    const corner = rx ? ` rx="${rx}"` : '';
    this.parts.push(
      `<rect x="${round(box.x)}" y="${round(box.y)}" width="${round(box.width)}" height="${round(box.height)}"${corner} ${paint}/>`,
    );
    return box;
  }

  /** A horizontal rule, as thermal labels separate their sections. */
  rule(y: number, thickness = 4, from = 0, to = this.width): void {
    this.rect({ x: from, y: y - thickness / 2, width: to - from, height: thickness });
  }

  circle(cx: number, cy: number, r: number, stroke: number): void {
    this.parts.push(
      `<circle cx="${round(cx)}" cy="${round(cy)}" r="${round(r)}" fill="none" stroke="#000" stroke-width="${stroke}"/>`,
    );
  }

  /** A barcode with its top left at (x, y); returns its box. */
  barcode(symbol: BarcodeSymbol, x: number, y: number): LabelBox {
    const left = Math.round(x);
    const top = Math.round(y);
    const { rects } = symbol;
    for (let i = 0; i < rects.length; i += 4) {
      this.blackRects.push(left + rects[i]!, top + rects[i + 1]!, rects[i + 2]!, rects[i + 3]!);
    }
    return { x: left, y: top, width: symbol.width, height: symbol.height };
  }

  /** A black rectangle painted into the pixels rather than drawn as SVG. */
  dot(x: number, y: number, width: number, height: number): void {
    this.blackRects.push(Math.round(x), Math.round(y), width, height);
  }

  /** Other SVG (a curve). */
  raw(svg: string): void {
    this.parts.push(svg);
  }

  toSvg(): string {
    return [
      `<svg xmlns="http://www.w3.org/2000/svg" width="${this.width}" height="${this.height}" viewBox="0 0 ${this.width} ${this.height}">`,
      `<rect width="${this.width}" height="${this.height}" fill="#fff"/>`,
      ...this.parts,
      '</svg>',
    ].join('\n');
  }
}

const round = (value: number) => Math.round(value * 10) / 10;

export function growBox(box: LabelBox, margin: number): LabelBox {
  return {
    x: box.x - margin,
    y: box.y - margin,
    width: box.width + 2 * margin,
    height: box.height + 2 * margin,
  };
}

/** Paints `x y width height` black rectangles into a greyscale image, clipped to it. */
export function paintBlackRects(
  data: Uint8Array,
  width: number,
  height: number,
  rects: readonly number[],
): void {
  for (let i = 0; i < rects.length; i += 4) {
    const x0 = Math.max(0, rects[i]!);
    const y0 = Math.max(0, rects[i + 1]!);
    const x1 = Math.min(width, rects[i]! + rects[i + 2]!);
    const y1 = Math.min(height, rects[i + 1]! + rects[i + 3]!);
    for (let y = y0; y < y1; y++) data.fill(0, y * width + x0, y * width + x1);
  }
}
