import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import type { RawImage } from '../../../models/index.ts';
import { findLabelQuad } from '../../../pipelines/labels/index.ts';

interface Scene {
  /** Background as two colours of a left-to-right gradient (uneven light). */
  background: [string, string];
  paper: string;
  rotationDeg: number;
  /** Full-width black bars across the label, as carriers rule their labels. */
  bars: number[];
}

const width = 1280;
const height = 960;
const label = { cx: 640, cy: 470, w: 420, h: 640 };

/** A label-like sheet with lines of "print" on a background, as RGB pixels, and its true corners. */
async function photo(scene: Scene): Promise<{ rgb: RawImage; corners: Array<[number, number]> }> {
  const lines = Array.from({ length: 14 }, (_, i) => {
    const y = -label.h / 2 + 40 + i * 42;
    return `<rect x="${-label.w / 2 + 30}" y="${y}" width="${200 + ((i * 53) % 140)}" height="14" fill="#111"/>`;
  }).join('');
  const bars = scene.bars
    .map((y) => `<rect x="${-label.w / 2}" y="${y}" width="${label.w}" height="9" fill="#000"/>`)
    .join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
    <defs><linearGradient id="g"><stop offset="0" stop-color="${scene.background[0]}"/><stop offset="1" stop-color="${scene.background[1]}"/></linearGradient></defs>
    <rect width="${width}" height="${height}" fill="url(#g)"/>
    <g transform="translate(${label.cx} ${label.cy}) rotate(${scene.rotationDeg})">
      <rect x="${-label.w / 2}" y="${-label.h / 2}" width="${label.w}" height="${label.h}" fill="${scene.paper}"/>
      ${lines}${bars}
    </g></svg>`;
  const { data, info } = await sharp(Buffer.from(svg))
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const a = (scene.rotationDeg * Math.PI) / 180;
  const corners = (
    [
      [-1, -1],
      [1, -1],
      [1, 1],
      [-1, 1],
    ] as const
  ).map(([sx, sy]): [number, number] => {
    const x = (sx * label.w) / 2;
    const y = (sy * label.h) / 2;
    return [label.cx + x * Math.cos(a) - y * Math.sin(a), label.cy + x * Math.sin(a) + y * Math.cos(a)];
  });
  return {
    rgb: { data: new Uint8Array(data), width: info.width, height: info.height, channels: 3 },
    corners,
  };
}

function worstCornerErrorPx(found: Array<[number, number]>, truth: Array<[number, number]>): number {
  return Math.max(...truth.map(([x, y]) => Math.min(...found.map(([fx, fy]) => Math.hypot(fx - x, fy - y)))));
}

describe('finding the label in a kiosk photo', () => {
  it('finds a whole label on dark cardboard, across the black bars that rule it into bands', async () => {
    const { rgb, corners } = await photo({
      background: ['#7a5a3a', '#6e5030'],
      paper: '#f4f4f0',
      rotationDeg: 8,
      bars: [-60, 120, 200],
    });
    const quad = findLabelQuad(rgb, 360);
    assert.ok(quad);
    assert.ok(Math.abs(quad.skewDeg - 8) < 2, `skew ${quad.skewDeg}`);
    const error = worstCornerErrorPx(quad.corners as Array<[number, number]>, corners);
    assert.ok(error < 20, `a corner is ${error.toFixed(0)} px off`);
  });

  it('finds a white label on a pale table under uneven light', async () => {
    const { rgb, corners } = await photo({
      background: ['#9a948c', '#f2ece4'],
      paper: '#f6f6f4',
      rotationDeg: -13,
      bars: [140],
    });
    const quad = findLabelQuad(rgb, 360);
    assert.ok(quad);
    assert.ok(Math.abs(quad.skewDeg + 13) < 3, `skew ${quad.skewDeg}`);
    const error = worstCornerErrorPx(quad.corners as Array<[number, number]>, corners);
    assert.ok(error < 45, `a corner is ${error.toFixed(0)} px off`);
  });

  it('gives up on a photo with nothing label-like in it', async () => {
    const flat = await sharp({ create: { width: 640, height: 480, channels: 3, background: '#8a7a6a' } })
      .raw()
      .toBuffer();
    assert.equal(
      findLabelQuad({ data: new Uint8Array(flat), width: 640, height: 480, channels: 3 }, 360),
      undefined,
    );
  });
});
