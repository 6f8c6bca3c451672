import type { Point2 } from './vector.ts';

/** Signed area (shoelace); positive when the points run counter-clockwise in a y-up frame. */
export function signedArea(polygon: readonly Point2[]): number {
  let sum = 0;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    sum += polygon[j]![0] * polygon[i]![1] - polygon[i]![0] * polygon[j]![1];
  }
  return sum / 2;
}

export const polygonArea = (polygon: readonly Point2[]): number => Math.abs(signedArea(polygon));

/** Even-odd ray casting; points on an edge may fall either way. */
export function pointInPolygon(point: Point2, polygon: readonly Point2[]): boolean {
  const [px, py] = point;
  let inside = false;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const [xi, yi] = polygon[i]!;
    const [xj, yj] = polygon[j]!;
    if (yi > py !== yj > py && px < ((xj - xi) * (py - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

function orientation(a: Point2, b: Point2, c: Point2): number {
  const v = (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]);
  return Math.abs(v) < 1e-9 ? 0 : Math.sign(v);
}

function onSegment(a: Point2, b: Point2, p: Point2): boolean {
  return (
    Math.min(a[0], b[0]) - 1e-9 <= p[0] &&
    p[0] <= Math.max(a[0], b[0]) + 1e-9 &&
    Math.min(a[1], b[1]) - 1e-9 <= p[1] &&
    p[1] <= Math.max(a[1], b[1]) + 1e-9
  );
}

/** True when the closed segments ab and cd share a point. */
export function segmentsIntersect(a: Point2, b: Point2, c: Point2, d: Point2): boolean {
  const o1 = orientation(a, b, c);
  const o2 = orientation(a, b, d);
  const o3 = orientation(c, d, a);
  const o4 = orientation(c, d, b);
  if (o1 !== o2 && o3 !== o4) return true;
  if (o1 === 0 && onSegment(a, b, c)) return true;
  if (o2 === 0 && onSegment(a, b, d)) return true;
  if (o3 === 0 && onSegment(c, d, a)) return true;
  return o4 === 0 && onSegment(c, d, b);
}

/** A polygon is simple when no two non-adjacent edges touch. */
export function isSimplePolygon(polygon: readonly Point2[]): boolean {
  const n = polygon.length;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const adjacent = j === i + 1 || (i === 0 && j === n - 1);
      if (adjacent) continue;
      if (segmentsIntersect(polygon[i]!, polygon[(i + 1) % n]!, polygon[j]!, polygon[(j + 1) % n]!))
        return false;
    }
  }
  return true;
}

function isConvex(polygon: readonly Point2[]): boolean {
  let sign = 0;
  for (let i = 0; i < polygon.length; i++) {
    const turn = orientation(
      polygon[i]!,
      polygon[(i + 1) % polygon.length]!,
      polygon[(i + 2) % polygon.length]!,
    );
    if (turn === 0) continue;
    if (sign === 0) sign = turn;
    else if (turn !== sign) return false;
  }
  return true;
}

/** Sutherland–Hodgman: the part of `subject` inside the convex polygon `clip`. */
function clipToConvex(subject: readonly Point2[], clip: readonly Point2[]): Point2[] {
  const ccw = signedArea(clip) > 0 ? 1 : -1;
  let output: Point2[] = [...subject];
  for (let i = 0; i < clip.length && output.length > 0; i++) {
    const a = clip[i]!;
    const b = clip[(i + 1) % clip.length]!;
    const inside = (p: Point2) => ccw * ((b[0] - a[0]) * (p[1] - a[1]) - (b[1] - a[1]) * (p[0] - a[0])) >= 0;
    const input = output;
    output = [];
    for (let j = 0; j < input.length; j++) {
      const current = input[j]!;
      const previous = input[(j + input.length - 1) % input.length]!;
      const cross = (p: Point2, q: Point2): Point2 => {
        const dx = q[0] - p[0];
        const dy = q[1] - p[1];
        const denominator = (b[0] - a[0]) * dy - (b[1] - a[1]) * dx;
        const t = ((b[0] - a[0]) * (a[1] - p[1]) - (b[1] - a[1]) * (a[0] - p[0])) / denominator;
        return [p[0] + t * dx, p[1] + t * dy];
      };
      if (inside(current)) {
        if (!inside(previous)) output.push(cross(previous, current));
        output.push(current);
      } else if (inside(previous)) {
        output.push(cross(previous, current));
      }
    }
  }
  return output;
}

/**
 * True when the interiors of two simple polygons overlap; sharing an edge or a corner does not
 * count. Exact (by clipped area) when one of them is convex, as slot cells and unit footprints
 * are; otherwise by edge crossings and containment.
 */
export function polygonsOverlap(a: readonly Point2[], b: readonly Point2[]): boolean {
  const tolerance = 1e-6 * Math.max(1, Math.min(polygonArea(a), polygonArea(b)));
  if (isConvex(b)) return polygonArea(clipToConvex(a, b)) > tolerance;
  if (isConvex(a)) return polygonArea(clipToConvex(b, a)) > tolerance;
  for (let i = 0; i < a.length; i++) {
    for (let j = 0; j < b.length; j++) {
      const [a1, a2, b1, b2] = [a[i]!, a[(i + 1) % a.length]!, b[j]!, b[(j + 1) % b.length]!];
      if (
        orientation(a1, a2, b1) * orientation(a1, a2, b2) < 0 &&
        orientation(b1, b2, a1) * orientation(b1, b2, a2) < 0
      ) {
        return true;
      }
    }
  }
  return a.some((p) => pointInPolygon(p, b)) || b.some((p) => pointInPolygon(p, a));
}

export function boundingBox(polygon: readonly Point2[]): {
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
} {
  let minX = Number.POSITIVE_INFINITY;
  let minY = Number.POSITIVE_INFINITY;
  let maxX = Number.NEGATIVE_INFINITY;
  let maxY = Number.NEGATIVE_INFINITY;
  for (const [x, y] of polygon) {
    if (x < minX) minX = x;
    if (y < minY) minY = y;
    if (x > maxX) maxX = x;
    if (y > maxY) maxY = y;
  }
  return { minX, minY, maxX, maxY };
}

/** Andrew's monotone chain; counter-clockwise in a y-up frame, collinear points dropped. */
export function convexHull(points: readonly Point2[]): Point2[] {
  if (points.length < 3) return [...points];
  const sorted = [...points].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const turn = (o: Point2, a: Point2, b: Point2) =>
    (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
  const half = (list: readonly Point2[]) => {
    const out: Point2[] = [];
    for (const p of list) {
      while (out.length >= 2 && turn(out[out.length - 2]!, out[out.length - 1]!, p) <= 0) out.pop();
      out.push(p);
    }
    return out.slice(0, -1);
  };
  return [...half(sorted), ...half([...sorted].reverse())];
}

/**
 * The smallest-area rectangle around a convex polygon (rotating calipers: one of its sides lies
 * on a hull edge). `angleRad` is the direction of its `width` side.
 */
export function minAreaRectangle(hull: readonly Point2[]): {
  centre: Point2;
  width: number;
  height: number;
  angleRad: number;
} {
  let best = { area: Number.POSITIVE_INFINITY, centre: [0, 0] as Point2, width: 0, height: 0, angleRad: 0 };
  for (let i = 0; i < hull.length; i++) {
    const a = hull[i]!;
    const b = hull[(i + 1) % hull.length]!;
    const angle = Math.atan2(b[1] - a[1], b[0] - a[0]);
    const cos = Math.cos(angle);
    const sin = Math.sin(angle);
    let minU = Number.POSITIVE_INFINITY;
    let maxU = Number.NEGATIVE_INFINITY;
    let minV = Number.POSITIVE_INFINITY;
    let maxV = Number.NEGATIVE_INFINITY;
    for (const [x, y] of hull) {
      const u = x * cos + y * sin;
      const v = -x * sin + y * cos;
      minU = Math.min(minU, u);
      maxU = Math.max(maxU, u);
      minV = Math.min(minV, v);
      maxV = Math.max(maxV, v);
    }
    const area = (maxU - minU) * (maxV - minV);
    if (area < best.area) {
      const cu = (minU + maxU) / 2;
      const cv = (minV + maxV) / 2;
      best = {
        area,
        centre: [cu * cos - cv * sin, cu * sin + cv * cos],
        width: maxU - minU,
        height: maxV - minV,
        angleRad: angle,
      };
    }
  }
  const { centre, width, height, angleRad } = best;
  return { centre, width, height, angleRad };
}

/** Corners clockwise on screen (y down) from the one that is top-left when the box is level. */
export function rectangleCorners(box: {
  centre: Point2;
  width: number;
  height: number;
  angleRad: number;
}): [Point2, Point2, Point2, Point2] {
  const ux = (Math.cos(box.angleRad) * box.width) / 2;
  const uy = (Math.sin(box.angleRad) * box.width) / 2;
  const vx = (-Math.sin(box.angleRad) * box.height) / 2;
  const vy = (Math.cos(box.angleRad) * box.height) / 2;
  const [cx, cy] = box.centre;
  return [
    [cx - ux - vx, cy - uy - vy],
    [cx + ux - vx, cy + uy - vy],
    [cx + ux + vx, cy + uy + vy],
    [cx - ux + vx, cy - uy + vy],
  ];
}
