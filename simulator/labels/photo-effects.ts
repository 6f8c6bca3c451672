import sharp from 'sharp';
import { applyHomography, computeHomography, type Homography, type Point2 } from '../../calibration/index.ts';
import type { RawImage } from '../../models/index.ts';
import { warpPerspective } from '../../pipelines/labels/perspective-warp.ts';
import { type SeededRandom, seededRandom } from '../seeded-random.ts';
import type { BarcodeTruth, LabelBox, OccluderKind, PhotoEffectsTruth } from './label-truth.ts';
import { paintBackground, paintTape } from './photo-background.ts';
import { type Occluder, planOccluders } from './photo-occluders.ts';
import type { PhotoSettings } from './photo-settings.ts';

export interface FlatLabel {
  /** The label as printed, greyscale. */
  grey: RawImage;
  /** Text that must stay readable: never covered, never glared out. */
  protectedBoxes: readonly LabelBox[];
  barcodes: readonly BarcodeTruth[];
}

export interface LabelPhoto {
  jpeg: Buffer;
  width: number;
  height: number;
  /** The label's own top left, top right, bottom right and bottom left in the photo. */
  corners: Array<[number, number]>;
  effects: PhotoEffectsTruth;
}

/** Glare over protected text whitens it by at most this much: dimmed, never erased. */
export const maxGlareOverText = 0.45;

interface Glare {
  cx: number;
  cy: number;
  rx: number;
  ry: number;
  cos: number;
  sin: number;
  strength: number;
}

function glareAt(glare: Glare, x: number, y: number): number {
  const dx = x - glare.cx;
  const dy = y - glare.cy;
  const u = (dx * glare.cos + dy * glare.sin) / glare.rx;
  const v = (-dx * glare.sin + dy * glare.cos) / glare.ry;
  return glare.strength * Math.exp(-(u * u + v * v));
}

/** The strongest glare anywhere on the protected text (sampled densely enough for a soft ellipse). */
function glareOnText(glare: Glare, boxes: readonly LabelBox[]): number {
  let worst = 0;
  for (const box of boxes) {
    for (let i = 0; i <= 12; i++) {
      for (let j = 0; j <= 4; j++) {
        worst = Math.max(worst, glareAt(glare, box.x + (box.width * i) / 12, box.y + (box.height * j) / 4));
      }
    }
  }
  return worst;
}

/**
 * A soft reflection of the kiosk's light on the glossy label, placed where it spares the text a
 * person needs; when it cannot be, it is dimmed until that text shows through.
 */
function placeGlare(
  width: number,
  height: number,
  protectedBoxes: readonly LabelBox[],
  strength: number,
  random: SeededRandom,
): Glare {
  let best: Glare | undefined;
  let bestOnText = Number.POSITIVE_INFINITY;
  for (let attempt = 0; attempt < 12; attempt++) {
    const angle = random.between(0, Math.PI);
    const candidate: Glare = {
      cx: random.between(0.1, 0.9) * width,
      cy: random.between(0.05, 0.95) * height,
      rx: random.between(110, 300),
      ry: random.between(50, 150),
      cos: Math.cos(angle),
      sin: Math.sin(angle),
      strength,
    };
    const onText = glareOnText(candidate, protectedBoxes);
    if (onText < bestOnText) {
      best = candidate;
      bestOnText = onText;
    }
    if (onText <= maxGlareOverText) break;
  }
  const glare = best!;
  if (bestOnText > maxGlareOverText) glare.strength *= maxGlareOverText / bestOnText;
  return glare;
}

interface Canvas {
  rgba: Uint8Array;
  /** Glare on the label's surface, 0..255 for 0..1, or null without glare. */
  glare: Uint8Array | null;
  width: number;
  height: number;
  /** Where the label's top left sits in the canvas. */
  padX: number;
  padY: number;
}

/**
 * The label as the camera would see it before the camera: thermal ink on slightly tinted paper,
 * glare on its surface, in a canvas padded for the curl and for anything reaching past its edge.
 */
function inkLabel(
  grey: RawImage,
  settings: PhotoSettings,
  glare: Glare | null,
  occluders: readonly Occluder[],
): Canvas {
  const { width: w, height: h, data } = grey;
  let left = 0;
  let top = 0;
  let right = w;
  let bottom = h;
  for (const { extent } of occluders) {
    left = Math.min(left, extent.x);
    top = Math.min(top, extent.y);
    right = Math.max(right, extent.x + extent.width);
    bottom = Math.max(bottom, extent.y + extent.height);
  }
  const curlPad = Math.ceil(settings.curl) + 2;
  const padX = Math.ceil(Math.min(420, Math.max(-left, right - w, 0)));
  const padY = Math.ceil(Math.min(420, Math.max(-top, bottom - h, 0))) + curlPad;
  const cw = w + 2 * padX;
  const ch = h + 2 * padY;
  const rgba = new Uint8Array(cw * ch * 4);
  const [pr, pg, pb] = settings.paper;
  const ink = settings.inkLevel;
  // Pixels packed four bytes at a time; a packed value is read back through the same bytes,
  // so this holds on either byte order.
  const packed = new Uint32Array(rgba.buffer);
  const pack = (r: number, g: number, b: number, a: number) =>
    new Uint32Array(new Uint8Array([r, g, b, a]).buffer)[0]!;
  // Transparent paper-coloured margin, so bilinear edges blend toward paper, not black.
  packed.fill(pack(pr, pg, pb, 0));
  const lut = new Uint32Array(256);
  for (let v = 0; v < 256; v++) {
    const t = v / 255;
    lut[v] = pack(ink + (pr - ink) * t, ink + (pg - ink) * t, ink * 1.05 + (pb - ink * 1.05) * t, 255);
  }
  for (let y = 0; y < h; y++) {
    const row = (y + padY) * cw + padX;
    for (let x = 0, i = y * w; x < w; x++, i++) packed[row + x] = lut[data[i]!]!;
  }
  let glareMap: Uint8Array | null = null;
  if (glare) {
    // The glare is kept apart and added after the light falls on the label: a reflection of the
    // lamp is as bright in a dim photo as in a bright one. Beyond 2.4 radii it is below 1/300.
    glareMap = new Uint8Array(cw * ch);
    const reach = 2.4 * Math.max(glare.rx, glare.ry);
    const x0 = Math.max(0, Math.floor(glare.cx - reach));
    const x1 = Math.min(w, Math.ceil(glare.cx + reach));
    const y0 = Math.max(0, Math.floor(glare.cy - reach));
    const y1 = Math.min(h, Math.ceil(glare.cy + reach));
    for (let y = y0; y < y1; y++) {
      for (let x = x0; x < x1; x++) glareMap[(y + padY) * cw + x + padX] = glareAt(glare, x, y) * 255;
    }
  }
  return { rgba, glare: glareMap, width: cw, height: ch, padX, padY };
}

/** Lays the occluders (drawn in label coordinates) over the canvas. */
async function coverWith(canvas: Canvas, occluders: readonly Occluder[]): Promise<void> {
  if (occluders.length === 0) return;
  // Rendered only over the occluders' extent (with room for their soft shadows): SVG filters
  // cost by the pixel.
  const shadowRoom = 40;
  const x0 = Math.max(
    0,
    Math.floor(Math.min(...occluders.map((o) => o.extent.x)) + canvas.padX - shadowRoom),
  );
  const y0 = Math.max(
    0,
    Math.floor(Math.min(...occluders.map((o) => o.extent.y)) + canvas.padY - shadowRoom),
  );
  const x1 = Math.min(
    canvas.width,
    Math.ceil(Math.max(...occluders.map((o) => o.extent.x + o.extent.width)) + canvas.padX + shadowRoom),
  );
  const y1 = Math.min(
    canvas.height,
    Math.ceil(Math.max(...occluders.map((o) => o.extent.y + o.extent.height)) + canvas.padY + shadowRoom),
  );
  const width = x1 - x0;
  const height = y1 - y0;
  if (width <= 0 || height <= 0) return;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><g transform="translate(${canvas.padX - x0} ${canvas.padY - y0})">${occluders.map((o) => o.svg).join('')}</g></svg>`;
  const overlay = await sharp(Buffer.from(svg)).ensureAlpha().raw().toBuffer();
  const { rgba } = canvas;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const s = (y * width + x) * 4;
      const alpha = overlay[s + 3]!;
      if (alpha === 0) continue;
      const a = alpha / 255;
      const o = ((y + y0) * canvas.width + x + x0) * 4;
      rgba[o] = rgba[o]! * (1 - a) + overlay[s]! * a;
      rgba[o + 1] = rgba[o + 1]! * (1 - a) + overlay[s + 1]! * a;
      rgba[o + 2] = rgba[o + 2]! * (1 - a) + overlay[s + 2]! * a;
      rgba[o + 3] = Math.max(rgba[o + 3]!, alpha);
    }
  }
}

/**
 * A label that has curled off the box bows: each column shifts vertically, most at the edges.
 * Displacement averages zero so the label stays centred in its padding. In place.
 */
function curlCanvas(canvas: Canvas, curl: number, labelWidth: number): void {
  if (curl <= 0) return;
  const { rgba, width, height, padX } = canvas;
  const source = rgba.slice();
  const whole = new Int32Array(width);
  const frac = new Float32Array(width);
  for (let x = 0; x < width; x++) {
    const u = Math.max(-1, Math.min(1, ((x - padX) / labelWidth) * 2 - 1));
    const shift = curl * (u * u - 1 / 3);
    whole[x] = Math.floor(shift);
    frac[x] = shift - whole[x]!;
  }
  const stride = width * 4;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      // Source rows sy and sy + 1 blended by the fractional shift; beyond the canvas is transparent.
      const sy = y - whole[x]! - 1;
      const f = frac[x]!;
      const o = y * stride + x * 4;
      const a = sy >= 0 && sy < height ? sy * stride + x * 4 : -1;
      const b = sy + 1 >= 0 && sy + 1 < height ? (a >= 0 ? a + stride : (sy + 1) * stride + x * 4) : -1;
      for (let k = 0; k < 4; k++) {
        const va = a >= 0 ? source[a + k]! : k === 3 ? 0 : source[o + k]!;
        const vb = b >= 0 ? source[b + k]! : k === 3 ? 0 : source[o + k]!;
        rgba[o + k] = va * f + vb * (1 - f) + 0.5;
      }
    }
  }
}

/**
 * Where the label's corners land in the photo: turned, tilted (a projective shrink toward one
 * side, as when the camera looks at it obliquely), scaled to fill part of the frame, and
 * placed anywhere it fits.
 */
function labelQuad(width: number, height: number, settings: PhotoSettings, random: SeededRandom): Point2[] {
  const theta = (settings.rotationDeg * Math.PI) / 180;
  const cos = Math.cos(theta);
  const sin = Math.sin(theta);
  const radius = Math.hypot(width, height) / 2;
  const tiltAngle = (settings.tiltDeg * Math.PI) / 180;
  const ax = (Math.cos(tiltAngle) * settings.tilt) / radius;
  const ay = (Math.sin(tiltAngle) * settings.tilt) / radius;
  const corners: Point2[] = [
    [-width / 2, -height / 2],
    [width / 2, -height / 2],
    [width / 2, height / 2],
    [-width / 2, height / 2],
  ].map(([x, y]) => {
    const rx = x! * cos - y! * sin;
    const ry = x! * sin + y! * cos;
    const w = 1 + ax * rx + ay * ry;
    return [rx / w, ry / w] as const;
  });
  const xs = corners.map((c) => c[0]);
  const ys = corners.map((c) => c[1]);
  const spanX = Math.max(...xs) - Math.min(...xs);
  const spanY = Math.max(...ys) - Math.min(...ys);
  const scale = settings.fill * Math.min(settings.photoWidth / spanX, settings.photoHeight / spanY);
  const freeX = settings.photoWidth - spanX * scale;
  const freeY = settings.photoHeight - spanY * scale;
  const left = random.between(0.1, 0.9) * freeX - Math.min(...xs) * scale;
  const top = random.between(0.1, 0.9) * freeY - Math.min(...ys) * scale;
  return corners.map(([x, y]) => [left + x * scale, top + y * scale] as const);
}

/** 1 − (shorter ÷ longer) of the worse pair of opposite edges: 0 when seen square on. */
function keystone(quad: readonly Point2[]): number {
  const edge = (i: number) => {
    const a = quad[i]!;
    const b = quad[(i + 1) % 4]!;
    return Math.hypot(b[0] - a[0], b[1] - a[1]);
  };
  const ratio = (i: number, j: number) => Math.min(edge(i), edge(j)) / Math.max(edge(i), edge(j));
  return 1 - Math.min(ratio(0, 2), ratio(1, 3));
}

/**
 * Signed distance to a convex quad's inside as four half-planes (a·x + b·y + c ≥ 0 inside),
 * so that the shadow costs four multiply-adds per pixel.
 */
function insidePlanes(quad: readonly Point2[]): Float64Array {
  const planes = new Float64Array(12);
  for (let i = 0; i < 4; i++) {
    const [ax, ay] = quad[i]!;
    const [bx, by] = quad[(i + 1) % 4]!;
    const length = Math.hypot(bx - ax, by - ay);
    // Corners run clockwise on screen (y down), so the inside is to the right of each edge.
    planes[i * 3] = -(by - ay) / length;
    planes[i * 3 + 1] = (bx - ax) / length;
    planes[i * 3 + 2] = ((by - ay) * ax - (bx - ax) * ay) / length;
  }
  return planes;
}

const clampByte = (v: number) => (v < 0 ? 0 : v > 255 ? 255 : v + 0.5);

let gaussianTable: Float32Array | undefined;

/** Standard normal samples, drawn once; each photo reads them from its own offset. */
function gaussians(): Float32Array {
  if (gaussianTable) return gaussianTable;
  const random = seededRandom(0x5eed);
  const table = new Float32Array(1 << 18);
  for (let i = 0; i < table.length; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - random.float()));
    const a = 2 * Math.PI * random.float();
    table[i] = r * Math.cos(a);
    table[i + 1] = r * Math.sin(a);
  }
  gaussianTable = table;
  return table;
}

/** The box or table under the label, painted at half size (its texture is soft anyway). */
function paintBackdrop(settings: PhotoSettings, random: SeededRandom): { rgb: Uint8Array; width: number } {
  const width = Math.ceil(settings.photoWidth / 2) + 1;
  const height = Math.ceil(settings.photoHeight / 2) + 1;
  const rgb = paintBackground(width, height, settings.background, random.fork('background'));
  if (settings.tape) paintTape(rgb, width, height, random.fork('tape'));
  return { rgb, width };
}

/** The lens blur and the JPEG encoder, in one pass of sharp. */
function encode(pixels: Uint8Array, settings: PhotoSettings): Promise<Buffer> {
  const image = sharp(pixels, {
    raw: { width: settings.photoWidth, height: settings.photoHeight, channels: 3 },
  });
  return (settings.blur > 0 ? image.blur(settings.blur) : image)
    .jpeg({ quality: settings.jpegQuality })
    .toBuffer();
}

/** The label canvas resampled into the photo, over the box `x, y, width, height` it can reach. */
interface PlacedLabel {
  rgba: Uint8Array;
  glare: Uint8Array | null;
  x: number;
  y: number;
  width: number;
  height: number;
}

function placeInPhoto(
  canvas: Canvas,
  labelWidth: number,
  labelHeight: number,
  quad: readonly Point2[],
  settings: PhotoSettings,
): PlacedLabel {
  const { padX, padY } = canvas;
  const labelCorners: Point2[] = [
    [padX, padY],
    [padX + labelWidth, padY],
    [padX + labelWidth, padY + labelHeight],
    [padX, padY + labelHeight],
  ];
  const canvasToPhoto = computeHomography(labelCorners, quad);
  const canvasCorners: Point2[] = [
    [0, 0],
    [canvas.width, 0],
    [canvas.width, canvas.height],
    [0, canvas.height],
  ];
  // Only the part of the photo the canvas (label, padding and all) can land on is resampled.
  const reach = canvasCorners.map((p) => applyHomography(canvasToPhoto, p));
  const x = Math.max(0, Math.floor(Math.min(...reach.map((p) => p[0]))));
  const y = Math.max(0, Math.floor(Math.min(...reach.map((p) => p[1]))));
  const width = Math.max(
    1,
    Math.min(settings.photoWidth, Math.ceil(Math.max(...reach.map((p) => p[0])))) - x,
  );
  const height = Math.max(
    1,
    Math.min(settings.photoHeight, Math.ceil(Math.max(...reach.map((p) => p[1])))) - y,
  );
  const [a, b, c, d, e, f, g, h, i] = computeHomography(quad, labelCorners);
  const photoToCanvas: Homography = [
    a,
    b,
    a * x + b * y + c,
    d,
    e,
    d * x + e * y + f,
    g,
    h,
    g * x + h * y + i,
  ];
  const size = { width: canvas.width, height: canvas.height };
  const warped = warpPerspective({ data: canvas.rgba, ...size, channels: 4 }, photoToCanvas, width, height, [
    ...settings.paper,
    0,
  ]);
  const glare = canvas.glare
    ? warpPerspective({ data: canvas.glare, ...size, channels: 1 }, photoToCanvas, width, height, 0).data
    : null;
  return { rgba: warped.data, glare, x, y, width, height };
}

/**
 * The scene as the sensor records it: the backdrop with the label's shadow, the label over it,
 * all under uneven light and a white-balance error, plus sensor noise.
 */
function expose(
  placed: PlacedLabel,
  backdrop: { rgb: Uint8Array; width: number },
  shadowQuad: readonly Point2[],
  settings: PhotoSettings,
  noiseSeed: number,
): Uint8Array {
  const { photoWidth: pw, photoHeight: ph, brightness } = settings;
  const lit = new Uint8Array(pw * ph * 3);
  const [wbR, wbG, wbB] = settings.whiteBalance;
  const vignette = 0.36;
  const soft = 10;
  const shadow = insidePlanes(shadowQuad);
  const shadowLeft = Math.min(...shadowQuad.map((p) => p[0])) - soft;
  const shadowRight = Math.max(...shadowQuad.map((p) => p[0])) + soft;
  const shadowTop = Math.min(...shadowQuad.map((p) => p[1])) - soft;
  const shadowBottom = Math.max(...shadowQuad.map((p) => p[1])) + soft;
  // Light = brightness × (1 + linear fall-off) × (1 − vignette·r²), its x terms per column.
  const slopeX = new Float32Array(pw);
  const radiusX = new Float32Array(pw);
  for (let x = 0; x < pw; x++) {
    const fx = x / pw - 0.5;
    slopeX[x] = 2 * settings.gradientX * fx;
    radiusX[x] = fx * fx;
  }
  const table = gaussians();
  const mask = table.length - 1;
  const sigma = settings.noise;
  let state = noiseSeed | 1;
  const back = backdrop.rgb;
  const backStride = backdrop.width * 3;
  const label = placed.rgba;
  const glare = placed.glare;
  const labelLeft = placed.x;
  const labelRight = placed.x + placed.width;
  for (let y = 0; y < ph; y++) {
    const fy = y / ph - 0.5;
    const slopeY = 1 + 2 * settings.gradientY * fy;
    const radiusY = fy * fy;
    const labelRow = y >= placed.y && y < placed.y + placed.height ? (y - placed.y) * placed.width : -1;
    const shadowRow = y >= shadowTop && y <= shadowBottom;
    // The backdrop is half size: odd rows and columns average their neighbours.
    const b0 = (y >> 1) * backStride;
    const b1 = y & 1 ? backStride : 0;
    for (let x = 0, o = y * pw * 3; x < pw; x++, o += 3) {
      const w = labelRow >= 0 && x >= labelLeft && x < labelRight ? (labelRow + x - labelLeft) * 4 : -1;
      const alpha = w >= 0 ? label[w + 3]! / 255 : 0;
      let r = 0;
      let g = 0;
      let b = 0;
      if (alpha < 1) {
        let shade = 1;
        if (shadowRow && x >= shadowLeft && x <= shadowRight) {
          let inside = Number.POSITIVE_INFINITY;
          for (let k = 0; k < 12; k += 3) {
            inside = Math.min(inside, shadow[k]! * x + shadow[k + 1]! * y + shadow[k + 2]!);
          }
          const t = (inside + soft) / (2 * soft);
          if (t > 0) shade = 1 - 0.35 * (t >= 1 ? 1 : t * t * (3 - 2 * t));
        }
        const under = (shade * (1 - alpha)) / 4;
        const c0 = b0 + (x >> 1) * 3;
        const c1 = c0 + (x & 1 ? 3 : 0);
        r = (back[c0]! + back[c1]! + back[c0 + b1]! + back[c1 + b1]!) * under;
        g = (back[c0 + 1]! + back[c1 + 1]! + back[c0 + b1 + 1]! + back[c1 + b1 + 1]!) * under;
        b = (back[c0 + 2]! + back[c1 + 2]! + back[c0 + b1 + 2]! + back[c1 + b1 + 2]!) * under;
      }
      if (w >= 0) {
        r += label[w]! * alpha;
        g += label[w + 1]! * alpha;
        b += label[w + 2]! * alpha;
      }
      const light = brightness * (slopeX[x]! + slopeY) * (1 - vignette * (radiusX[x]! + radiusY));
      r *= light * wbR;
      g *= light * wbG;
      b *= light * wbB;
      if (glare && w >= 0) {
        const k = glare[w >> 2]! / 255;
        r += (255 - r) * k;
        g += (255 - g) * k;
        b += (255 - b) * k;
      }
      // Noise from the table at xorshift32 positions: cheap, and no pattern repeats.
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      const n = (state >>> 8) & mask;
      lit[o] = clampByte(r + table[n]! * sigma);
      lit[o + 1] = clampByte(g + table[(n + 1) & mask]! * sigma);
      lit[o + 2] = clampByte(b + table[(n + 2) & mask]! * sigma);
    }
  }
  return lit;
}

/**
 * Photographs a flat label as the kiosk camera would: on a box or a table, turned, tilted,
 * curled, lit unevenly, maybe glared or partly covered, noisy, blurred and JPEG-compressed.
 */
export async function photographLabel(
  label: FlatLabel,
  settings: PhotoSettings,
  random: SeededRandom,
): Promise<LabelPhoto> {
  const { grey } = label;
  const occluders = settings.occlude
    ? (planOccluders(label.barcodes, label.protectedBoxes, grey.width, random.fork('occluders')) ?? [])
    : [];
  const glare = settings.glare
    ? placeGlare(grey.width, grey.height, label.protectedBoxes, settings.glareStrength, random.fork('glare'))
    : null;

  const canvas = inkLabel(grey, settings, glare, occluders);
  await coverWith(canvas, occluders);
  curlCanvas(canvas, settings.curl, grey.width);

  const quad = labelQuad(grey.width, grey.height, settings, random.fork('placement'));
  const placed = placeInPhoto(canvas, grey.width, grey.height, quad, settings);
  const backdrop = paintBackdrop(settings, random);
  const shadowRandom = random.fork('shadow');
  const shadowQuad = quad.map(
    ([x, y]) => [x + shadowRandom.between(3, 12), y + shadowRandom.between(4, 14)] as const,
  );
  const lit = expose(placed, backdrop, shadowQuad, settings, random.fork('noise').int(1, 0x7fffffff));
  const jpeg = await encode(lit, settings);

  const rotation = settings.rotationDeg;
  const kinds: OccluderKind[] = occluders.map((o) => o.kind);
  const effects: PhotoEffectsTruth = {
    rotationDeg: Math.round(rotation * 100) / 100,
    upsideDown: Math.abs(rotation) > 90,
    perspective: Math.round(keystone(quad) * 1000) / 1000,
    curl: Math.round(settings.curl * 10) / 10,
    blur: Math.round(settings.blur * 100) / 100,
    glare: glare !== null,
    glareStrength: glare ? Math.round(glare.strength * 100) / 100 : 0,
    noise: Math.round(settings.noise * 100) / 100,
    jpegQuality: settings.jpegQuality,
    brightness: Math.round(settings.brightness * 100) / 100,
    lightingGradient:
      Math.round(Math.max(Math.abs(settings.gradientX), Math.abs(settings.gradientY)) * 100) / 100,
    inkLevel: Math.round(settings.inkLevel),
    background: settings.background,
    tape: settings.tape,
    barcodeOccluded: occluders.length > 0,
    occluders: kinds,
    scale:
      Math.round((Math.hypot(quad[1]![0] - quad[0]![0], quad[1]![1] - quad[0]![1]) / grey.width) * 1000) /
      1000,
  };
  return {
    jpeg,
    width: settings.photoWidth,
    height: settings.photoHeight,
    corners: quad.map(([x, y]) => [Math.round(x * 10) / 10, Math.round(y * 10) / 10]),
    effects,
  };
}
