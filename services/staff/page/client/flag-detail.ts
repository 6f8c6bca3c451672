import type { FlagAction, FlagActionAnswer, FlagDetailAnswer, FlagView, JsonOf } from '../../index.ts';
import { clock, recipientOf, when, words } from './display-text.ts';
import { byId, h } from './element-builder.ts';
import { flagEvidence } from './flag-evidence.ts';
import { activeResidents } from './resident-directory.ts';
import { api, messageOf } from './staff-api.ts';
import { toast } from './toast.ts';

type Options = Array<[value: string, label: string]>;

let selectedFlagId: string | null = null;

/** The flag whose detail is shown (or being fetched), if any. */
export const selectedFlag = (): string | null => selectedFlagId;

/** Empties the detail pane, as when the shown flag left the queue. */
export function clearFlagDetail(): void {
  selectedFlagId = null;
  byId('flag-detail').replaceChildren(h('p', { class: 'muted' }, 'Pick a flag on the left.'));
}

function select(name: string, options: Options, placeholder: string): HTMLSelectElement {
  return h(
    'select',
    { name, id: `action-${name}` },
    h('option', { value: '' }, placeholder),
    ...options.map(([value, label]) => h('option', { value }, label)),
  );
}

const chosen = (element: HTMLSelectElement): string | undefined => element.value || undefined;

function timelineOf(flag: JsonOf<FlagView>, timeline: JsonOf<FlagDetailAnswer>['timeline']): HTMLElement {
  return h(
    'div',
    { class: 'timeline' },
    ...timeline.map((e) =>
      h(
        'div',
        { class: e.payload?.flagId === flag.id ? 'this' : '' },
        h('span', {}, clock(e.occurredAt)),
        h('span', {}, e.type),
        h(
          'span',
          { class: 'muted' },
          [e.payload?.slotId, e.packageId?.slice(0, 8)].filter(Boolean).join(' · '),
        ),
      ),
    ),
  );
}

/**
 * Shows one flag with its evidence, timeline and the actions that answer it. `onResolved` runs
 * after an action went through, so the queue can drop the flags it closed.
 */
export async function showFlag(flagId: string, onResolved: () => Promise<void>): Promise<void> {
  selectedFlagId = flagId;
  for (const li of document.querySelectorAll<HTMLElement>('#flag-list li'))
    li.classList.toggle('selected', li.dataset.flagId === flagId);
  const detail = byId('flag-detail');
  detail.setAttribute('aria-busy', 'true');
  const { flag, timeline, candidates } = await api<FlagDetailAnswer>('GET', `/api/staff/flags/${flagId}`);
  // A newer click wins: an answer for a flag no longer selected is dropped.
  if (selectedFlagId !== flagId) return;

  const slotOptions: Options = [
    ...candidates.slots.map((s): [string, string] => [
      s.id,
      `${s.id} (candidate${s.packages.length ? `, holds ${s.packages.length}` : ''})`,
    ]),
    ...candidates.freeSlotIds
      .filter((id) => !candidates.slots.some((s) => s.id === id))
      .map((id): [string, string] => [id, `${id} (free)`]),
  ];
  const packageOptions: Options = candidates.packages.map((p) => [
    p.id,
    `${recipientOf(p)} · ${p.carrier ?? ''} ${p.trackingNumber ?? ''} · ${words(p.state)}${p.slotId ? ` in ${p.slotId}` : ''}`,
  ]);
  const residentOptions: Options = activeResidents().map((r) => [
    r.id,
    `${r.apartment} ${r.firstName} ${r.lastName}`,
  ]);
  const slotSelect = select('slotId', slotOptions, 'slot…');
  const packageSelect = select('packageId', packageOptions, 'package…');
  const residentSelect = select('residentId', residentOptions, 'resident…');
  const reason = h('input', { name: 'reason', id: 'action-reason', placeholder: 'reason for dismissing' });
  const error = h('p', { class: 'error', role: 'alert', id: 'action-error' });

  // The page sends what the staff member chose; the server's schema decides whether it is enough.
  const act = async (body: FlagAction) => {
    error.textContent = '';
    try {
      const done = await api<FlagActionAnswer>('POST', `/api/staff/flags/${flag.id}/actions`, body);
      toast(`${words(body.action)}: done`);
      selectedFlagId = null;
      delete detail.dataset.flagId;
      // Flags the action answered too (a never-placed flag of the package just placed) leave the queue with it.
      const also = (done.alsoResolved ?? []).map((f) => `${words(f.kind)}: ${f.summary}`);
      detail.replaceChildren(
        h('p', { class: 'muted', id: 'action-done' }, `Flag ${words(body.action)}.`),
        ...(also.length
          ? [h('p', { class: 'muted', id: 'action-also-resolved' }, `Also resolved: ${also.join('; ')}`)]
          : []),
      );
      await onResolved();
    } catch (e) {
      error.textContent = messageOf(e);
    }
  };

  detail.dataset.flagId = flag.id;
  detail.removeAttribute('aria-busy');
  detail.replaceChildren(
    h('div', { class: 'kind' }, words(flag.kind)),
    h('h2', { id: 'flag-summary' }, flag.summary),
    h(
      'p',
      { class: 'muted' },
      `raised ${when(flag.raisedAt)}${flag.slotId ? ` · slot ${flag.slotId}` : ''}${flag.cameraId ? ` · ${flag.cameraId}` : ''}`,
    ),
    flagEvidence(flag),
    // No packages named: no line at all (the untyped page printed "null" here).
    ...(candidates.packages.length
      ? [
          h(
            'p',
            {},
            h('strong', {}, 'Packages: '),
            candidates.packages.map((p) => `${recipientOf(p)} (${words(p.state)})`).join('; '),
          ),
        ]
      : []),
    timelineOf(flag, timeline),
    h(
      'div',
      { class: 'actions' },
      h(
        'div',
        { class: 'row' },
        h(
          'button',
          { id: 'act-confirm', class: 'primary', onclick: () => act({ action: 'confirm' }) },
          'Confirm',
        ),
        h(
          'button',
          { id: 'act-not-a-package', onclick: () => act({ action: 'not_a_package' }) },
          'Not a package',
        ),
        h(
          'button',
          {
            id: 'act-picked-up',
            onclick: () =>
              act({
                action: 'picked_up',
                packageId: chosen(packageSelect),
                residentId: chosen(residentSelect),
              }),
          },
          'Mark picked up',
        ),
      ),
      h(
        'div',
        { class: 'row' },
        slotSelect,
        h(
          'button',
          {
            id: 'act-reassign-slot',
            onclick: () =>
              act({ action: 'reassign_slot', slotId: slotSelect.value, packageId: chosen(packageSelect) }),
          },
          'Reassign slot',
        ),
      ),
      h(
        'div',
        { class: 'row' },
        packageSelect,
        residentSelect,
        h(
          'button',
          {
            id: 'act-reassign-package',
            onclick: () =>
              act({
                action: 'reassign_package',
                packageId: chosen(packageSelect),
                residentId: chosen(residentSelect),
              }),
          },
          'Reassign package / resident',
        ),
      ),
      h(
        'div',
        { class: 'row' },
        reason,
        h(
          'button',
          {
            id: 'act-dismiss',
            class: 'danger',
            onclick: () => act({ action: 'dismiss', reason: reason.value }),
          },
          'Dismiss',
        ),
      ),
      error,
    ),
  );
}
