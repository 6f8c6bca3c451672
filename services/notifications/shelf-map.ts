import sharp from 'sharp';
import { type RoomLayout, unitFrame, unitPoint } from '../../calibration/index.ts';
import { describeShelfLocation } from './shelf-location.ts';
import { escapeHtml } from './text-template.ts';

export interface ShelfMapOptions {
  widthPx?: number;
  heightPx?: number;
}

const highlight = '#f28c28';
const ink = '#1d1d1f';
const muted = '#c7c7cc';

/**
 * A small picture for the email: on the left the room seen from above with the door at the
 * bottom and the package's unit filled in, on the right that unit's front with its levels and
 * the package's slot filled in. Drawn as SVG from the layout, so it follows any room.
 */
export function shelfMapSvg(layout: RoomLayout, slotId: string, options: ShelfMapOptions = {}): string {
  const width = options.widthPx ?? 480;
  const height = options.heightPx ?? 240;
  const location = describeShelfLocation(layout, slotId);
  const pad = 12;
  const panelWidth = (width - pad * 3) / 2;
  const panelHeight = height - pad * 2 - 18;
  const parts: string[] = [];

  // Floor plan: room x to the right, y away from the door, so the door is at the bottom.
  const room = layout.room.sizeCm;
  const planScale = Math.min(panelWidth / room.x, panelHeight / room.y);
  const planLeft = pad + (panelWidth - room.x * planScale) / 2;
  const planTop = pad + 18;
  const px = (x: number) => planLeft + x * planScale;
  const py = (y: number) => planTop + (room.y - y) * planScale;
  parts.push(
    `<text x="${pad}" y="${pad + 10}" font-size="12" fill="${ink}">Package room (door at the bottom)</text>`,
    `<rect x="${px(0)}" y="${py(room.y)}" width="${room.x * planScale}" height="${room.y * planScale}" fill="#fafafa" stroke="${ink}" stroke-width="1.5"/>`,
  );
  // The door is drawn as a gap in the front wall at the middle: layouts do not place it yet.
  const doorWidth = Math.min(90, room.x / 4) * planScale;
  parts.push(
    `<line x1="${px(room.x / 2) - doorWidth / 2}" y1="${py(0)}" x2="${px(room.x / 2) + doorWidth / 2}" y2="${py(0)}" stroke="#fafafa" stroke-width="3"/>`,
    `<text x="${px(room.x / 2)}" y="${py(0) + 12}" font-size="10" text-anchor="middle" fill="${ink}">door</text>`,
  );
  for (const unit of layout.units) {
    const frame = unitFrame(unit);
    const corners = [
      unitPoint(frame, 0, 0, 0),
      unitPoint(frame, unit.widthCm, 0, 0),
      unitPoint(frame, unit.widthCm, unit.depthCm, 0),
      unitPoint(frame, 0, unit.depthCm, 0),
    ];
    const centre = unitPoint(frame, unit.widthCm / 2, unit.depthCm / 2, 0);
    const chosen = unit.id === location.unitId;
    parts.push(
      `<polygon points="${corners.map((c) => `${px(c.x).toFixed(1)},${py(c.y).toFixed(1)}`).join(' ')}" fill="${chosen ? highlight : muted}" stroke="${ink}" stroke-width="1"/>`,
      `<text x="${px(centre.x).toFixed(1)}" y="${(py(centre.y) + 4).toFixed(1)}" font-size="11" font-weight="bold" text-anchor="middle" fill="${ink}">${escapeHtml(unit.id)}</text>`,
    );
  }

  // The unit's front, levels from the floor up, slots left to right.
  const unit = layout.units.find((u) => u.id === location.unitId)!;
  const topCm = Math.max(...unit.levels.map((l) => l.heightCm + l.clearanceCm));
  const frontLeft = pad * 2 + panelWidth + 16;
  const frontWidthPx = panelWidth - 16;
  const frontScale = Math.min(frontWidthPx / unit.widthCm, panelHeight / topCm);
  const fx = (x: number) => frontLeft + (frontWidthPx - unit.widthCm * frontScale) / 2 + x * frontScale;
  const fy = (z: number) => planTop + panelHeight - (panelHeight - topCm * frontScale) / 2 - z * frontScale;
  parts.push(
    `<text x="${frontLeft - 16}" y="${pad + 10}" font-size="12" fill="${ink}">Shelf ${escapeHtml(unit.id)} from the front</text>`,
    `<rect x="${fx(0)}" y="${fy(topCm)}" width="${unit.widthCm * frontScale}" height="${topCm * frontScale}" fill="none" stroke="${ink}" stroke-width="1.5"/>`,
  );
  unit.levels.forEach((level, levelIndex) => {
    const levelNumber = levelIndex + 1;
    parts.push(
      `<line x1="${fx(0)}" y1="${fy(level.heightCm)}" x2="${fx(unit.widthCm)}" y2="${fy(level.heightCm)}" stroke="${ink}" stroke-width="2"/>`,
      `<text x="${fx(0) - 4}" y="${fy(level.heightCm + level.clearanceCm / 2) + 4}" font-size="10" text-anchor="end" fill="${ink}">${levelNumber}</text>`,
    );
    level.slots.forEach((slot, slotIndex) => {
      const chosen = levelNumber === location.levelNumber && slotIndex + 1 === location.slotIndex;
      const inset = 1.5;
      parts.push(
        `<rect x="${fx(slot.offsetCm) + inset}" y="${fy(level.heightCm + level.clearanceCm) + inset}" width="${Math.max(1, slot.widthCm * frontScale - 2 * inset)}" height="${Math.max(1, level.clearanceCm * frontScale - 2 * inset)}" fill="${chosen ? highlight : '#f2f2f7'}" stroke="${chosen ? ink : muted}" stroke-width="${chosen ? 2 : 0.5}"/>`,
      );
    });
  });

  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans, Liberation Sans, Arial, sans-serif"><rect width="100%" height="100%" fill="#ffffff"/>${parts.join('')}</svg>`;
}

/** The map as a PNG for an inline email image. */
export async function renderShelfMap(
  layout: RoomLayout,
  slotId: string,
  options: ShelfMapOptions = {},
): Promise<Buffer> {
  return sharp(Buffer.from(shelfMapSvg(layout, slotId, options)))
    .png({ compressionLevel: 9 })
    .toBuffer();
}
