import type { Point2 } from './vector.ts';

/** A 3×3 projective transform, row-major, normalised so that h[8] = 1. */
export type Homography = readonly [number, number, number, number, number, number, number, number, number];

/**
 * The homography taking four source points to four destination points (direct linear
 * transform with h33 = 1, solved by Gaussian elimination with partial pivoting).
 */
export function computeHomography(source: readonly Point2[], target: readonly Point2[]): Homography {
  if (source.length !== 4 || target.length !== 4)
    throw new RangeError('a homography needs exactly 4 point pairs');
  const a: number[][] = [];
  for (let i = 0; i < 4; i++) {
    const [x, y] = source[i]!;
    const [u, v] = target[i]!;
    a.push([x, y, 1, 0, 0, 0, -u * x, -u * y, u]);
    a.push([0, 0, 0, x, y, 1, -v * x, -v * y, v]);
  }
  const n = 8;
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let row = col + 1; row < n; row++)
      if (Math.abs(a[row]![col]!) > Math.abs(a[pivot]![col]!)) pivot = row;
    if (Math.abs(a[pivot]![col]!) < 1e-12)
      throw new RangeError('degenerate point configuration: three points are collinear');
    [a[col], a[pivot]] = [a[pivot]!, a[col]!];
    for (let row = 0; row < n; row++) {
      if (row === col) continue;
      const factor = a[row]![col]! / a[col]![col]!;
      if (factor === 0) continue;
      for (let k = col; k <= n; k++) a[row]![k]! -= factor * a[col]![k]!;
    }
  }
  const h = a.map((row, i) => row[n]! / row[i]!);
  return [h[0]!, h[1]!, h[2]!, h[3]!, h[4]!, h[5]!, h[6]!, h[7]!, 1];
}

export function applyHomography(h: Homography, point: Point2): Point2 {
  const [x, y] = point;
  const w = h[6] * x + h[7] * y + h[8];
  return [(h[0] * x + h[1] * y + h[2]) / w, (h[3] * x + h[4] * y + h[5]) / w];
}

export function invertHomography(h: Homography): Homography {
  const [a, b, c, d, e, f, g, i, j] = h;
  const det = a * (e * j - f * i) - b * (d * j - f * g) + c * (d * i - e * g);
  if (Math.abs(det) < 1e-15) throw new RangeError('homography is singular');
  const inv = [
    (e * j - f * i) / det,
    (c * i - b * j) / det,
    (b * f - c * e) / det,
    (f * g - d * j) / det,
    (a * j - c * g) / det,
    (c * d - a * f) / det,
    (d * i - e * g) / det,
    (b * g - a * i) / det,
    (a * e - b * d) / det,
  ];
  const k = inv[8]!;
  return inv.map((v) => v / k) as unknown as Homography;
}
