import sharp from 'sharp';
import type { OcrBox, RawImage } from '../../models/index.ts';

/** Lines as a shipping label prints them, for OCR tests. */
export const shippingLabelLines = [
  'SHIP TO: MAYA BROWN',
  '1200 HARBOR VIEW RD APT 305',
  'OAKLAND CA 94607',
  '1Z 999 AA1 01 2345 6784',
] as const;

export interface TextImageOptions {
  /** An installed font: 'Liberation Sans', 'DejaVu Sans' or 'Liberation Mono'. */
  fontFamily?: string;
  fontSizePx?: number;
  lineHeightPx?: number;
  marginPx?: number;
  widthPx?: number;
}

export interface TextImage {
  png: Buffer;
  /** The same pixels decoded, one grey channel, as the label pipeline hands them over. */
  grey: RawImage;
  width: number;
  height: number;
  /** Where each line's dark pixels are, measured on the rendered image. */
  inkBoxes: OcrBox[];
}

const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Black text on white rendered by sharp from SVG, one line under the other. */
export async function renderTextImage(
  lines: readonly string[],
  options: TextImageOptions = {},
): Promise<TextImage> {
  const fontFamily = options.fontFamily ?? 'Liberation Sans';
  const fontSize = options.fontSizePx ?? 36;
  const lineHeight = options.lineHeightPx ?? Math.round(fontSize * 1.8);
  const margin = options.marginPx ?? 40;
  const width = options.widthPx ?? 900;
  const height = 2 * margin + lines.length * lineHeight;
  const baselines = lines.map((_, i) => margin + Math.round(fontSize * 0.9) + i * lineHeight);
  const text = lines
    .map(
      (line, i) =>
        `<text x="${margin}" y="${baselines[i]}" font-family="${fontFamily}" font-size="${fontSize}">${escapeXml(line)}</text>`,
    )
    .join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="white"/>${text}</svg>`;
  const png = await sharp(Buffer.from(svg)).png().toBuffer();
  const { data } = await sharp(png).greyscale().raw().toBuffer({ resolveWithObject: true });
  const inkBoxes = baselines.map((baseline) => {
    // Each line's band reaches from a full font size above its baseline to a third below.
    const top = Math.max(0, baseline - fontSize);
    const bottom = Math.min(height - 1, baseline + Math.round(fontSize / 3));
    let minX = width;
    let maxX = -1;
    let minY = height;
    let maxY = -1;
    for (let y = top; y <= bottom; y++) {
      for (let x = 0; x < width; x++) {
        if (data[y * width + x]! >= 128) continue;
        minX = Math.min(minX, x);
        maxX = Math.max(maxX, x);
        minY = Math.min(minY, y);
        maxY = Math.max(maxY, y);
      }
    }
    return { x: minX, y: minY, width: maxX - minX + 1, height: maxY - minY + 1 };
  });
  return { png, grey: { data: new Uint8Array(data), width, height, channels: 1 }, width, height, inkBoxes };
}

/** Intersection over union of two boxes. */
export function boxIou(a: OcrBox, b: OcrBox): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  return inter / (a.width * a.height + b.width * b.height - inter);
}

/** Runs of white space as one space, ends trimmed. */
export const normaliseSpaces = (text: string) => text.replace(/\s+/g, ' ').trim();
