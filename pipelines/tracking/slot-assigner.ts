import { type Point2, pointInPolygon } from '../../calibration/index.ts';

/** A slot as one camera sees it. */
export interface SlotView {
  id: string;
  polygon: readonly Point2[];
}

export interface BoxLike {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface SlotAssignment {
  /** The slot holding the middle of the object's footprint. */
  primary: string;
  /** Every slot the footprint covers by a fair share: two for a straddling package. */
  slots: string[];
  /** 1 when the footprint lies squarely in one slot, less when it straddles or lies outside. */
  confidence: number;
}

function distanceToPolygon(point: Point2, polygon: readonly Point2[]): number {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const [ax, ay] = polygon[j]!;
    const [bx, by] = polygon[i]!;
    const dx = bx - ax;
    const dy = by - ay;
    const t = Math.max(
      0,
      Math.min(1, ((point[0] - ax) * dx + (point[1] - ay) * dy) / (dx * dx + dy * dy || 1)),
    );
    best = Math.min(best, Math.hypot(point[0] - (ax + t * dx), point[1] - (ay + t * dy)));
  }
  return best;
}

/**
 * Which slot an object rests in: where the bottom of its box (its resting footprint, seen from
 * the camera) falls among the slot polygons. The footprint is sampled along the box's bottom
 * edge, a little inside it; a slot holding at least `shareForSlot` of the samples counts, so a
 * package across two slots names both. Outside every polygon, the nearest one within a quarter of
 * the box's height is taken with lowered confidence; farther, the object is on no slot.
 */
export function assignSlot(
  box: BoxLike,
  slots: readonly SlotView[],
  shareForSlot = 0.3,
): SlotAssignment | undefined {
  const samples = 9;
  const y = box.y + box.height * 0.96;
  const counts = new Map<string, number>();
  let middle: string | undefined;
  for (let k = 0; k < samples; k++) {
    const x = box.x + box.width * (0.1 + (0.8 * k) / (samples - 1));
    const slot = slots.find((s) => pointInPolygon([x, y], s.polygon));
    if (!slot) continue;
    counts.set(slot.id, (counts.get(slot.id) ?? 0) + 1);
    if (k === (samples - 1) / 2) middle = slot.id;
  }
  if (counts.size === 0) {
    const centre: Point2 = [box.x + box.width / 2, y];
    let nearest: { id: string; distance: number } | undefined;
    for (const s of slots) {
      const distance = distanceToPolygon(centre, s.polygon);
      if (!nearest || distance < nearest.distance) nearest = { id: s.id, distance };
    }
    if (!nearest || nearest.distance > box.height * 0.25) return undefined;
    return {
      primary: nearest.id,
      slots: [nearest.id],
      confidence: 0.5 * (1 - nearest.distance / (box.height * 0.25)),
    };
  }
  const ranked = [...counts.entries()].sort((a, b) => b[1] - a[1]);
  const covered = ranked.filter(([, n]) => n >= shareForSlot * samples).map(([id]) => id);
  const primary = middle ?? ranked[0]![0];
  const inside = ranked.reduce((n, [, c]) => n + c, 0) / samples;
  const straddle = covered.length > 1 ? 0.75 : 1;
  return {
    primary,
    slots: covered.length ? (covered.includes(primary) ? covered : [primary, ...covered]) : [primary],
    confidence: Math.round(inside * straddle * 1000) / 1000,
  };
}
