import type { SeededRandom } from '../seeded-random.ts';
import { escapeXml, growBox } from './label-svg.ts';
import type { BarcodeTruth, LabelBox, OccluderKind } from './label-truth.ts';
import { pickWeighted } from './weighted-choice.ts';

/** Something covering a barcode, drawn in label coordinates (it may reach past the label's edge). */
export interface Occluder {
  kind: OccluderKind;
  svg: string;
  /** Everything it paints, for the padding the label canvas needs. */
  extent: LabelBox;
}

interface Band {
  top: number;
  bottom: number;
}

/** How far past a barcode's bars an occluder may reach when nothing printed is in the way. */
const maxOverhang = 22;
/** Space kept between an occluder and protected text. */
const clearance = 6;

/**
 * The rows an occluder spanning `from`..`to` may use around barcode `bar` without touching a
 * protected box: null when protected text shares the barcode's rows in that span.
 */
function freeBand(bar: LabelBox, from: number, to: number, protectedBoxes: readonly LabelBox[]): Band | null {
  let top = bar.y - maxOverhang;
  let bottom = bar.y + bar.height + maxOverhang;
  for (const raw of protectedBoxes) {
    const p = growBox(raw, clearance);
    if (p.x >= to || p.x + p.width <= from) continue;
    if (p.y + p.height <= bar.y) top = Math.max(top, p.y + p.height);
    else if (p.y >= bar.y + bar.height) bottom = Math.min(bottom, p.y);
    else return null;
  }
  return { top, bottom };
}

const linear = (barcode: BarcodeTruth) => barcode.kind === 'code128' || barcode.kind === 'gs1-128';

/**
 * A strip reaching in from one side of the label over part of the barcode, through all its rows:
 * one uncovered column of a linear symbol, or most of a 2D one, is enough to stop a decode.
 */
function stripSpan(
  barcode: BarcodeTruth,
  side: 'left' | 'right',
  labelWidth: number,
  random: SeededRandom,
): { from: number; to: number } {
  const bar = barcode.box;
  const coverage = linear(barcode) ? random.between(0.4, 0.75) : 1;
  const reach = bar.width * coverage + (linear(barcode) ? 0 : 12);
  return side === 'left'
    ? { from: -400, to: Math.min(labelWidth + 400, bar.x + reach) }
    : { from: Math.max(-400, bar.x + bar.width - reach), to: labelWidth + 400 };
}

const skinTones = ['#f1c7a5', '#e0ac84', '#c68863', '#a86b48', '#7d4a2f', '#5a3422'];

function hand(
  barcode: BarcodeTruth,
  band: Band,
  side: 'left' | 'right',
  tip: number,
  labelWidth: number,
  skin: string,
  random: SeededRandom,
): Occluder {
  const bar = barcode.box;
  const thickness = Math.min(band.bottom - band.top, bar.height + 2 * random.between(10, maxOverhang));
  const centre = Math.min(
    band.bottom - thickness / 2,
    Math.max(band.top + thickness / 2, bar.y + bar.height / 2),
  );
  const top = centre - thickness / 2;
  const r = thickness / 2;
  // The thumb's rounded tip ends at `tip`; its base runs off the label into the palm.
  const edge = side === 'left' ? -140 : labelWidth + 140;
  const x0 = Math.min(edge, tip);
  const x1 = Math.max(edge, tip);
  const id = `skin${random.int(0, 1e9)}`;
  const nailLength = Math.min(thickness * 0.5, (x1 - x0) * 0.3);
  const nailX = side === 'left' ? tip - nailLength - r * 0.15 : tip + r * 0.15;
  // The rest of the hand stays off the label, below the thumb, as when holding a box's edge.
  const palmRx = 150;
  const palmCx = side === 'left' ? -palmRx - 6 : labelWidth + palmRx + 6;
  const palmCy = centre + thickness * 1.1;
  const svg = [
    `<defs><linearGradient id="${id}" x1="0" y1="0" x2="0" y2="1">`,
    `<stop offset="0" stop-color="${skin}" stop-opacity="1"/><stop offset="0.45" stop-color="#fff" stop-opacity="0.22"/>`,
    `<stop offset="1" stop-color="#000" stop-opacity="0.3"/></linearGradient>`,
    `<radialGradient id="${id}p" cx="0.4" cy="0.35" r="0.7"><stop offset="0" stop-color="#fff" stop-opacity="0.18"/>`,
    `<stop offset="1" stop-color="#000" stop-opacity="0.35"/></radialGradient>`,
    '</defs>',
    // A soft shadow as a few widening translucent layers: an SVG blur filter costs far more.
    ...[18, 12, 6].map(
      (grow) =>
        `<rect x="${x0 + 8 - grow / 2}" y="${top + 12 - grow / 2}" width="${x1 - x0 + grow}" height="${thickness + grow}" rx="${r + grow / 2}" fill="#000" opacity="0.1"/>`,
    ),
    `<ellipse cx="${palmCx}" cy="${palmCy}" rx="${palmRx}" ry="${palmRx * 1.6}" fill="${skin}"/>`,
    `<ellipse cx="${palmCx}" cy="${palmCy}" rx="${palmRx}" ry="${palmRx * 1.6}" fill="url(#${id}p)"/>`,
    `<rect x="${x0}" y="${top}" width="${x1 - x0}" height="${thickness}" rx="${r}" fill="${skin}"/>`,
    `<rect x="${x0}" y="${top}" width="${x1 - x0}" height="${thickness}" rx="${r}" fill="url(#${id})"/>`,
    `<rect x="${nailX}" y="${top + thickness * 0.22}" width="${nailLength}" height="${thickness * 0.56}" rx="${thickness * 0.2}" fill="#fff" opacity="0.35"/>`,
  ].join('');
  const left = Math.min(x0, palmCx - palmRx);
  const right = Math.max(x1, palmCx + palmRx);
  return {
    kind: 'hand',
    svg,
    extent: {
      x: left,
      y: Math.min(top, palmCy - palmRx * 1.6),
      width: right - left,
      height: Math.max(top + thickness, palmCy + palmRx * 1.6) - Math.min(top, palmCy - palmRx * 1.6),
    },
  };
}

const stickerStyles: Array<{ fill: string; ink: string; words: string[] }> = [
  { fill: '#fbfbf7', ink: '#c8102e', words: ['FRAGILE', 'HANDLE WITH CARE'] },
  { fill: '#f6d23a', ink: '#111', words: ['THIS SIDE UP', 'DO NOT BEND'] },
  { fill: '#f28c28', ink: '#111', words: ['PRIORITY', 'RUSH'] },
  { fill: '#ff7eb6', ink: '#111', words: ['INSPECTED', 'QC PASSED'] },
  { fill: '#fbfbf7', ink: '#222', words: ['RETURN', 'SORT 12'] },
];

function sticker(
  barcode: BarcodeTruth,
  band: Band,
  from: number,
  to: number,
  labelWidth: number,
  random: SeededRandom,
): Occluder {
  const bar = barcode.box;
  const x0 = Math.max(from, 4);
  const x1 = Math.min(to, labelWidth - 4);
  const top = Math.max(band.top, bar.y - random.between(4, maxOverhang));
  const bottom = Math.min(band.bottom, bar.y + bar.height + random.between(4, maxOverhang));
  const style = random.pick(stickerStyles);
  const word = random.pick(style.words);
  const width = x1 - x0;
  const height = bottom - top;
  const size = Math.min(height * 0.3, (width * 0.9) / (word.length * 0.72));
  const svg = [
    `<rect x="${x0 + 5}" y="${top + 6}" width="${width}" height="${height}" rx="8" fill="#000" opacity="0.18"/>`,
    `<rect x="${x0}" y="${top}" width="${width}" height="${height}" rx="8" fill="${style.fill}"/>`,
    size >= 12
      ? `<text x="${x0 + width / 2}" y="${top + height / 2 + size * 0.35}" font-family="DejaVu Sans" font-weight="bold" font-size="${size.toFixed(1)}" text-anchor="middle" fill="${style.ink}">${escapeXml(word)}</text>`
      : '',
  ].join('');
  return { kind: 'sticker', svg, extent: { x: x0, y: top, width: width + 5, height: height + 6 } };
}

function tape(
  barcode: BarcodeTruth,
  band: Band,
  side: 'left' | 'right',
  tip: number,
  labelWidth: number,
  random: SeededRandom,
): Occluder {
  const bar = barcode.box;
  const top = Math.max(band.top, bar.y - random.between(4, maxOverhang));
  const bottom = Math.min(band.bottom, bar.y + bar.height + random.between(4, maxOverhang));
  const start = side === 'left' ? -60 : labelWidth + 60;
  // A torn end: a zigzag across the tape's width.
  const teeth: string[] = [];
  const steps = 9;
  for (let i = 0; i <= steps; i++) {
    const y = top + ((bottom - top) * i) / steps;
    const jag = (i % 2 === 0 ? 0 : 7) + random.between(0, 5);
    teeth.push(`L${(side === 'left' ? tip - jag : tip + jag).toFixed(1)} ${y.toFixed(1)}`);
  }
  const path = `M${start} ${top}${teeth.join('')}L${start} ${bottom}Z`;
  const svg = [
    `<path d="${path}" fill="#d9c9a0" opacity="0.96"/>`,
    `<path d="${path}" fill="none" stroke="#b8a67c" stroke-width="2"/>`,
    `<rect x="${Math.min(start, tip)}" y="${top + (bottom - top) * 0.3}" width="${Math.abs(tip - start)}" height="${(bottom - top) * 0.08}" fill="#fff" opacity="0.15"/>`,
  ].join('');
  const x = Math.min(start, tip) - 12;
  return {
    kind: 'tape',
    svg,
    extent: { x, y: top, width: Math.abs(tip - start) + 24, height: bottom - top },
  };
}

/**
 * Covers every barcode holding the tracking number (a hand, a sticker or a piece of tape each),
 * keeping off the protected text. Null when some barcode cannot be covered that way, so the
 * label is left uncovered rather than hiding what a person needs.
 */
export function planOccluders(
  barcodes: readonly BarcodeTruth[],
  protectedBoxes: readonly LabelBox[],
  labelWidth: number,
  random: SeededRandom,
): Occluder[] | null {
  const occluders: Occluder[] = [];
  const skin = random.pick(skinTones);
  for (const barcode of barcodes.filter((b) => b.carriesTracking)) {
    const bar = barcode.box;
    const nearLeft = bar.x + bar.width / 2 < labelWidth / 2;
    const sides: Array<'left' | 'right'> = nearLeft ? ['left', 'right'] : ['right', 'left'];
    const preferred = pickWeighted(random, [
      ['hand', 0.45],
      ['sticker', 0.35],
      ['tape', 0.2],
    ] as const);
    const kinds = [preferred, ...(['hand', 'sticker', 'tape'] as const).filter((k) => k !== preferred)];
    let placed: Occluder | null = null;
    for (const kind of kinds) {
      for (const side of sides) {
        const span = stripSpan(barcode, side, labelWidth, random);
        if (kind === 'sticker') {
          // A sticker sits on the label: it only spans the part of the barcode it covers.
          const from = side === 'left' ? Math.max(bar.x - 10, span.from) : span.from;
          const to = side === 'left' ? span.to : Math.min(bar.x + bar.width + 10, span.to);
          const band = freeBand(bar, from, to, protectedBoxes);
          if (band) placed = sticker(barcode, band, from, to, labelWidth, random);
        } else {
          const band = freeBand(bar, span.from, span.to, protectedBoxes);
          if (!band) continue;
          const tip = side === 'left' ? span.to : span.from;
          placed =
            kind === 'hand'
              ? hand(barcode, band, side, tip, labelWidth, skin, random)
              : tape(barcode, band, side, tip, labelWidth, random);
        }
        if (placed) break;
      }
      if (placed) break;
    }
    if (!placed) return null;
    occluders.push(placed);
  }
  return occluders;
}
