import type { MapUnit, RoomMap } from '../../kiosk/kiosk-protocol.ts';
import { h, svg } from './element-builder.ts';

/**
 * The room as a resident needs it: a floor plan seen from above with the door at the bottom and
 * the unit to go to filled, and that unit's front view with the slot filled. Drawn from the
 * layout the server sends, so any room shape works.
 */
export function roomMapView(map: RoomMap, options: { pointingSlotId?: string | null } = {}): HTMLElement {
  const highlighted = new Set(map.highlightSlotIds);
  const unitsToShow = map.units.filter((u) =>
    u.levels.some((l) => l.slots.some((s) => highlighted.has(s.id))),
  );
  return h(
    'div',
    { class: 'room-map', testid: 'room-map' },
    floorPlan(map, new Set(unitsToShow.map((u) => u.id))),
    ...unitsToShow.map((unit) => frontView(unit, highlighted, options.pointingSlotId ?? null)),
  );
}

const floorPlanWidthPx = 300;
const frontViewHeightPx = 390;

function floorPlan(map: RoomMap, filledUnits: Set<string>): SVGSVGElement {
  const { x: widthCm, y: depthCm } = map.sizeCm;
  const margin = 30;
  // Room y grows away from the door; on screen the door is at the bottom, where the kiosk stands.
  const toScreen = (x: number, y: number) => [x, depthCm - y] as const;
  const units = map.units.map((unit) => {
    const radians = (unit.rotationDeg * Math.PI) / 180;
    const across = [Math.cos(radians), Math.sin(radians)] as const;
    const back = [-Math.sin(radians), Math.cos(radians)] as const;
    const corner = (a: number, b: number) =>
      toScreen(
        unit.positionCm.x + across[0] * a + back[0] * b,
        unit.positionCm.y + across[1] * a + back[1] * b,
      );
    const points = [
      corner(0, 0),
      corner(unit.widthCm, 0),
      corner(unit.widthCm, unit.depthCm),
      corner(0, unit.depthCm),
    ];
    // The letter stands in front of the unit, on the side a resident walks up to.
    const [cx, cy] = corner(unit.widthCm / 2, -40);
    const filled = filledUnits.has(unit.id);
    return svg(
      'g',
      { class: filled ? 'unit filled' : 'unit', 'data-unit': unit.id },
      svg('polygon', { points: points.map((p) => p.join(',')).join(' ') }),
      svg('text', { x: cx, y: cy, 'text-anchor': 'middle', 'dominant-baseline': 'central' }, unit.id),
    );
  });
  const [doorX, doorY] = toScreen(widthCm / 2, 0);
  return svg(
    'svg',
    {
      class: 'floor-plan',
      viewBox: `${-margin} ${-margin} ${widthCm + 2 * margin} ${depthCm + 2 * margin + 40}`,
      // Explicit pixels: an SVG sized only by CSS falls back to 300 × 150 in some browsers.
      width: floorPlanWidthPx,
      height: Math.round((floorPlanWidthPx * (depthCm + 2 * margin + 40)) / (widthCm + 2 * margin)),
      role: 'img',
      'aria-label': `Floor plan of ${map.name}`,
    },
    svg('rect', { class: 'room', x: 0, y: 0, width: widthCm, height: depthCm }),
    svg('rect', { class: 'door', x: doorX - 45, y: doorY - 6, width: 90, height: 12 }),
    svg('text', { class: 'you', x: doorX, y: doorY + 34, 'text-anchor': 'middle' }, 'You are here'),
    ...units,
  );
}

function frontView(unit: MapUnit, highlighted: Set<string>, pointingSlotId: string | null): HTMLElement {
  const top = Math.max(...unit.levels.map((l) => l.heightCm + l.clearanceCm));
  const margin = 8;
  const boards = unit.levels.map((level) => {
    const y = top - level.heightCm;
    const slots = level.slots.map((slot) => {
      const lit = highlighted.has(slot.id);
      return svg(
        'g',
        { class: lit ? 'slot lit' : 'slot', 'data-slot': slot.id },
        svg('rect', {
          x: slot.offsetCm + 0.5,
          y: y - level.clearanceCm + 2,
          width: Math.max(1, slot.widthCm - 1),
          height: level.clearanceCm - 3,
          rx: 2,
        }),
        lit
          ? svg(
              'text',
              {
                x: slot.offsetCm + slot.widthCm / 2,
                y: y - level.clearanceCm / 2,
                'text-anchor': 'middle',
                'dominant-baseline': 'central',
              },
              slot.id,
            )
          : null,
        pointingSlotId === slot.id
          ? svg('circle', { class: 'laser', cx: slot.offsetCm + slot.widthCm / 2, cy: y - 6, r: 3 })
          : null,
      );
    });
    return svg(
      'g',
      { class: 'level' },
      svg('rect', { class: 'board', x: 0, y, width: unit.widthCm, height: 2.5 }),
      svg(
        'text',
        {
          class: 'level-number',
          x: -3,
          y: y - level.clearanceCm / 2,
          'text-anchor': 'end',
          'dominant-baseline': 'central',
        },
        String(level.number),
      ),
      ...slots,
    );
  });
  return h(
    'figure',
    { class: 'front-view', testid: `front-view-${unit.id}` },
    svg(
      'svg',
      {
        viewBox: `${-margin - 6} ${-margin} ${unit.widthCm + 2 * margin + 6} ${top + 2 * margin}`,
        width: Math.round((frontViewHeightPx * (unit.widthCm + 2 * margin + 6)) / (top + 2 * margin)),
        height: frontViewHeightPx,
        role: 'img',
        'aria-label': `Front of ${unit.name}`,
      },
      svg('rect', { class: 'post', x: -2, y: 0, width: 2, height: top }),
      svg('rect', { class: 'post', x: unit.widthCm, y: 0, width: 2, height: top }),
      ...boards,
    ),
    h('figcaption', { text: `${unit.name}, seen from the front` }),
  );
}
