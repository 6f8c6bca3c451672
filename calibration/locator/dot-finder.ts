/** A camera frame as the calibration sees it: packed 8-bit RGB, row-major. */
export interface RgbFrame {
  width: number;
  height: number;
  rgb: Uint8Array;
}

export interface FoundDot {
  /** Centroid in the frame's pixels (pixel centres at +0.5). */
  x: number;
  y: number;
  areaPx: number;
  /** Sum of the red excess over the threshold: how much light the dot added. */
  strength: number;
}

export type DotSearch =
  | { found: true; dot: FoundDot }
  | { found: false; reason: 'no-dot' | 'ambiguous' | 'not-a-dot'; detail: string };

export interface DotFinderOptions {
  /** Largest dot, as a share of the frame width (its radius); default 0.02 (26 px at 1280). */
  maxRadiusShare?: number;
  /** A second blob at least this share of the best one's strength makes the search ambiguous. */
  ambiguityRatio?: number;
}

/**
 * Finds the laser dot from a laser-on and a laser-off frame of the same camera. The score of a
 * pixel is how much redder it became: the rise in red minus the rise in green and blue, so a
 * strobe or a light change (every channel rises) scores nothing. The threshold follows the
 * frame's own noise (a robust spread of the score over a sample of pixels). Blobs above it are
 * kept if dot-sized, compact and on a background that did not change around them: a person
 * moving between the two frames makes large, scattered blobs or a red hand on a changed
 * surround, which are dropped. A second dot-like blob nearly as strong as the best makes the
 * answer ambiguous rather than a guess.
 */
export function findLaserDot(on: RgbFrame, off: RgbFrame, options: DotFinderOptions = {}): DotSearch {
  if (on.width !== off.width || on.height !== off.height)
    throw new RangeError(
      `laser-on and laser-off frames differ in size (${on.width}×${on.height} vs ${off.width}×${off.height})`,
    );
  const { width, height } = on;
  const count = width * height;
  if (on.rgb.length < count * 3 || off.rgb.length < count * 3)
    throw new RangeError(`a ${width}×${height} RGB frame needs ${count * 3} bytes`);
  const scoreAt = (i: number) => {
    const o = i * 3;
    const dr = on.rgb[o]! - off.rgb[o]!;
    const dg = on.rgb[o + 1]! - off.rgb[o + 1]!;
    const db = on.rgb[o + 2]! - off.rgb[o + 2]!;
    return dr - Math.max(0, (dg + db) / 2);
  };
  // Spread of the score over every 7th pixel (the dot covers far fewer), as 1.48 × median |s|;
  // scores are whole or half steps up to 510, so a histogram finds the median without sorting.
  const histogram = new Uint32Array(1022);
  let sampled = 0;
  for (let i = 0; i < count; i += 7, sampled++)
    histogram[Math.min(1021, Math.round(Math.abs(scoreAt(i)) * 2))]!++;
  let bin = 0;
  for (let below = 0; bin < histogram.length; bin++) {
    below += histogram[bin]!;
    if (below * 2 >= sampled) break;
  }
  const sigma = 1.4826 * (bin / 2);
  const threshold = Math.max(30, 6 * sigma);
  // The score never exceeds the rise in red, so one subtraction rules out almost every pixel.
  const score = new Float32Array(count);
  for (let i = 0, o = 0; i < count; i++, o += 3)
    if (on.rgb[o]! - off.rgb[o]! > threshold) score[i] = scoreAt(i);

  const maxRadiusPx = (options.maxRadiusShare ?? 0.02) * width;
  const maxAreaPx = Math.PI * maxRadiusPx * maxRadiusPx;
  const ratio = options.ambiguityRatio ?? 0.35;
  const seen = new Uint8Array(count);
  const stack: number[] = [];
  const dots: FoundDot[] = [];
  const rejected: string[] = [];
  for (let start = 0; start < count; start++) {
    if (seen[start] || score[start]! <= threshold) continue;
    let area = 0;
    let sum = 0;
    let sx = 0;
    let sy = 0;
    let [minX, minY, maxX, maxY] = [width, height, -1, -1];
    seen[start] = 1;
    stack.push(start);
    while (stack.length > 0) {
      const i = stack.pop()!;
      const x = i % width;
      const y = (i - x) / width;
      const w = score[i]! - threshold;
      area++;
      sum += w;
      sx += w * (x + 0.5);
      sy += w * (y + 0.5);
      if (x < minX) minX = x;
      if (x > maxX) maxX = x;
      if (y < minY) minY = y;
      if (y > maxY) maxY = y;
      for (let ny = Math.max(0, y - 1); ny <= Math.min(height - 1, y + 1); ny++)
        for (let nx = Math.max(0, x - 1); nx <= Math.min(width - 1, x + 1); nx++) {
          const j = ny * width + nx;
          if (!seen[j] && score[j]! > threshold) {
            seen[j] = 1;
            stack.push(j);
          }
        }
    }
    const boxArea = (maxX - minX + 1) * (maxY - minY + 1);
    const extent = Math.max(maxX - minX + 1, maxY - minY + 1);
    if (area > maxAreaPx || extent > 2 * maxRadiusPx || area < 0.3 * boxArea) {
      rejected.push(`${area} px at (${Math.round(sx / sum)}, ${Math.round(sy / sum)})`);
      continue;
    }
    const moving = unsteadySurround(on, off, { minX, minY, maxX, maxY }, extent, threshold);
    if (moving > 0.05) {
      rejected.push(
        `${area} px at (${Math.round(sx / sum)}, ${Math.round(sy / sum)}) on a changing background`,
      );
      continue;
    }
    dots.push({ x: sx / sum, y: sy / sum, areaPx: area, strength: sum });
  }
  if (dots.length === 0) {
    if (rejected.length > 0)
      return {
        found: false,
        reason: 'not-a-dot',
        detail: `red changes that are not a laser dot only: ${rejected.slice(0, 3).join(', ')}`,
      };
    return { found: false, reason: 'no-dot', detail: `nothing turned red above ${Math.round(threshold)}` };
  }
  dots.sort((a, b) => b.strength - a.strength);
  const [best, second] = [dots[0]!, dots[1]];
  // Single noise pixels over the threshold are far weaker than a dot and do not count.
  if (second && second.strength >= ratio * best.strength)
    return {
      found: false,
      reason: 'ambiguous',
      detail: `two red spots: (${best.x.toFixed(1)}, ${best.y.toFixed(1)}) and (${second.x.toFixed(1)}, ${second.y.toFixed(1)})`,
    };
  return { found: true, dot: best };
}

/**
 * Share of the pixels in a ring around a blob (beyond the dot's bloom) that changed between the
 * frames more than the ring changed as a whole. A strobe or the room light changes the ring
 * evenly, so only its median change is taken out; a person's edge changes it unevenly.
 */
function unsteadySurround(
  on: RgbFrame,
  off: RgbFrame,
  box: { minX: number; minY: number; maxX: number; maxY: number },
  extent: number,
  threshold: number,
): number {
  const inner = Math.ceil(extent / 2) + 2;
  const outer = inner + Math.max(4, extent);
  const x0 = Math.max(0, box.minX - outer);
  const x1 = Math.min(on.width - 1, box.maxX + outer);
  const y0 = Math.max(0, box.minY - outer);
  const y1 = Math.min(on.height - 1, box.maxY + outer);
  const changes: number[][] = [[], [], []];
  for (let y = y0; y <= y1; y++)
    for (let x = x0; x <= x1; x++) {
      if (x >= box.minX - inner && x <= box.maxX + inner && y >= box.minY - inner && y <= box.maxY + inner)
        continue;
      const o = (y * on.width + x) * 3;
      for (let c = 0; c < 3; c++) changes[c]!.push(on.rgb[o + c]! - off.rgb[o + c]!);
    }
  const total = changes[0]!.length;
  if (total === 0) return 0;
  const medians = changes.map((values) => [...values].sort((a, b) => a - b)[values.length >> 1]!);
  let unsteady = 0;
  for (let i = 0; i < total; i++)
    if (changes.some((values, c) => Math.abs(values[i]! - medians[c]!) > threshold)) unsteady++;
  return unsteady / total;
}
