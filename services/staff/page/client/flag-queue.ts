import type { FlagsVersion } from '../../../store/index.ts';
import type { FlagListAnswer } from '../../index.ts';
import { when, words } from './display-text.ts';
import { byId, h } from './element-builder.ts';
import { clearFlagDetail, selectedFlag, showFlag } from './flag-detail.ts';
import { api, messageOf } from './staff-api.ts';
import { toast } from './toast.ts';

let events: EventSource | null = null;

/** The open flags, newest first; clicking one shows it beside the list. */
export async function loadFlags(): Promise<void> {
  const { flags, openCount } = await api<FlagListAnswer>('GET', '/api/staff/flags?status=open');
  byId('open-count').textContent = String(openCount);
  const list = byId('flag-list');
  const selected = selectedFlag();
  list.replaceChildren(
    ...flags.map((f) =>
      h(
        'li',
        {
          'data-flag-id': f.id,
          'data-kind': f.kind,
          class: f.id === selected ? 'selected' : '',
          onclick: () => {
            showFlag(f.id, loadFlags).catch((error: unknown) => toast(messageOf(error)));
          },
        },
        h('div', { class: 'kind' }, words(f.kind)),
        h('div', {}, f.summary),
        h('div', { class: 'muted' }, `${when(f.raisedAt)}${f.slotId ? ` · ${f.slotId}` : ''}`),
      ),
    ),
  );
  if (flags.length === 0) list.append(h('li', { class: 'muted' }, 'No open flags.'));
  if (selected && !flags.some((f) => f.id === selected)) clearFlagDetail();
}

/**
 * Follows the server's flag feed: the badge counts open flags on every tab, and the queue reloads
 * when it is in view. EventSource reconnects by itself; the label says when it is doing so.
 */
export function followFlags(): void {
  events?.close();
  const source = new EventSource('/api/staff/flags/stream');
  events = source;
  source.addEventListener('open', () => {
    byId('live-state').textContent = 'live';
  });
  source.addEventListener('error', () => {
    byId('live-state').textContent = 'reconnecting…';
  });
  source.addEventListener('flags', (event) => {
    const version = JSON.parse((event as MessageEvent<string>).data) as FlagsVersion;
    byId('open-count').textContent = String(version.openCount);
    if (!byId('flags-view').hidden) loadFlags().catch((error: unknown) => toast(messageOf(error)));
  });
}

export function stopFollowingFlags(): void {
  events?.close();
  events = null;
}
