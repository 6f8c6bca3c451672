import { aimAngles } from '../geometry/laser-aim.ts';
import type { Locator, RoomLayout } from '../layout-schema.ts';
import { unitFrame, unitPoint } from '../room-model.ts';

export interface Aim {
  panDeg: number;
  tiltDeg: number;
}

/**
 * The coarse sweep: an N×N grid of angles over what the nominal mount needs to reach the given
 * units (every corner of their boxes, 3° of margin for the mount's error), inside the mount's
 * ranges. Samples that land on the floor or a wall are as useful to the mount fit as those on
 * a shelf.
 */
export function coarseGrid(
  layout: RoomLayout,
  locator: Locator,
  unitIds: readonly string[],
  n: number,
): Aim[] {
  const mount = locator.mount.positionCm;
  const pans: number[] = [];
  const tilts: number[] = [];
  for (const unit of layout.units.filter((u) => unitIds.includes(u.id))) {
    const frame = unitFrame(unit);
    const last = unit.levels[unit.levels.length - 1]!;
    const topCm = last.heightCm + last.clearanceCm;
    for (const across of [0, unit.widthCm])
      for (const back of [0, unit.depthCm])
        for (const up of [unit.levels[0]!.heightCm, topCm]) {
          const a = aimAngles(mount, unitPoint(frame, across, back, up));
          pans.push(a.panDeg);
          tilts.push(a.tiltDeg);
        }
  }
  const marginDeg = 3;
  const clip = (v: number, [lo, hi]: readonly [number, number]) => Math.min(hi, Math.max(lo, v));
  const panLo = clip(Math.min(...pans) - marginDeg, locator.mount.panRangeDeg);
  const panHi = clip(Math.max(...pans) + marginDeg, locator.mount.panRangeDeg);
  const tiltLo = clip(Math.min(...tilts) - marginDeg, locator.mount.tiltRangeDeg);
  const tiltHi = clip(Math.max(...tilts) + marginDeg, locator.mount.tiltRangeDeg);
  const steps = (lo: number, hi: number) =>
    Array.from({ length: n }, (_, i) => (n === 1 ? (lo + hi) / 2 : lo + ((hi - lo) * i) / (n - 1)));
  const grid: Aim[] = [];
  // Row by row, alternating direction, as a real head would sweep to save travel.
  steps(tiltHi, tiltLo).forEach((tiltDeg, row) => {
    const rowPans = steps(panLo, panHi);
    for (const panDeg of row % 2 ? rowPans.reverse() : rowPans) grid.push({ panDeg, tiltDeg });
  });
  return grid;
}

export const withinRanges = (aim: Aim, locator: Locator): boolean =>
  aim.panDeg >= locator.mount.panRangeDeg[0] &&
  aim.panDeg <= locator.mount.panRangeDeg[1] &&
  aim.tiltDeg >= locator.mount.tiltRangeDeg[0] &&
  aim.tiltDeg <= locator.mount.tiltRangeDeg[1];
