import type { RenderedFrame } from '../../simulator/index.ts';

/**
 * Share of a box's pixels where two renders of the same size differ by more than `tolerance`
 * levels in any channel (0: any difference at all).
 */
export function changedShare(
  a: RenderedFrame,
  b: RenderedFrame,
  box: { x: number; y: number; width: number; height: number },
  tolerance = 0,
): number {
  let changed = 0;
  for (let y = box.y; y < box.y + box.height; y++)
    for (let x = box.x; x < box.x + box.width; x++) {
      const o = (y * a.width + x) * 3;
      if (
        Math.abs(a.rgb[o]! - b.rgb[o]!) > tolerance ||
        Math.abs(a.rgb[o + 1]! - b.rgb[o + 1]!) > tolerance ||
        Math.abs(a.rgb[o + 2]! - b.rgb[o + 2]!) > tolerance
      )
        changed++;
    }
  return changed / (box.width * box.height);
}
