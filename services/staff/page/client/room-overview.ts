import type { JsonOf, RoomAnswer } from '../../index.ts';
import { words } from './display-text.ts';
import { byId, h } from './element-builder.ts';
import { api } from './staff-api.ts';

type Slot = JsonOf<RoomAnswer>['slots'][number];
type Camera = JsonOf<RoomAnswer>['cameras'][number];

/** The pipeline's live health of a camera is its own record; only these two fields are shown. */
function liveText(live: unknown): string {
  if (typeof live !== 'object' || live === null) return '';
  const { state, fps } = live as { state?: unknown; fps?: unknown };
  return ` · ${state}, ${Number(fps ?? 0).toFixed(1)} fps`;
}

const cameraPill = (c: Camera) =>
  h(
    'span',
    { class: `pill ${c.status === 'online' ? 'ok' : 'bad'}` },
    `${c.name}: ${c.status}${c.offlineReason ? ` (${c.offlineReason})` : ''}${liveText(c.live)}`,
  );

const slotBox = (s: Slot) =>
  h(
    'div',
    {
      class: `slot${s.packages.length ? ' full' : ''}${s.objects.length ? ' object' : ''}${s.openFlagCount ? ' flagged' : ''}`,
      'data-slot-id': s.id,
    },
    h('div', {}, h('strong', {}, s.id)),
    ...s.packages.map((p) =>
      h(
        'div',
        {},
        p.recipient ? `${p.recipient.lastName} ${p.recipient.apartment}` : (p.trackingNumber ?? 'package'),
      ),
    ),
    ...s.objects.map(() => h('div', { class: 'muted' }, 'unregistered object')),
  );

/** Shelf units level by level, each slot with what it holds, and the cameras and controller. */
export async function loadRoom(): Promise<void> {
  const room = await api<RoomAnswer>('GET', '/api/staff/room');
  byId('room-name').textContent = room.roomId;
  byId('room-status').replaceChildren(
    ...room.cameras.map(cameraPill),
    h(
      'span',
      { class: `pill ${room.controller.linkState === 'up' ? 'ok' : 'bad'}` },
      `controller: ${words(room.controller.linkState)}`,
    ),
    h('span', { class: 'pill' }, `${room.openFlagCount} open flags`),
    h('span', { class: 'pill' }, `${room.awaitingPlacementCount} awaiting a shelf`),
  );
  const units = new Map<string, Map<number, Slot[]>>();
  for (const s of room.slots) {
    const levels = units.get(s.unitId) ?? new Map<number, Slot[]>();
    units.set(s.unitId, levels);
    levels.set(s.levelNumber, [...(levels.get(s.levelNumber) ?? []), s]);
  }
  byId('room-units').replaceChildren(
    ...[...units].map(([unitId, levels]) =>
      h(
        'div',
        { class: 'unit' },
        h('strong', {}, `Unit ${unitId}`),
        ...[...levels].map(([, slots]) => h('div', { class: 'level' }, ...slots.map(slotBox))),
      ),
    ),
  );
}
