import type { PackageSearchAnswer } from '../../index.ts';
import { when, words } from './display-text.ts';
import { byId, h } from './element-builder.ts';
import { formBody } from './form-submit.ts';
import { api, messageOf } from './staff-api.ts';

/** Searches packages by the form's fields (all optional) and lists what was found. */
export async function searchPackages(): Promise<void> {
  const params = new URLSearchParams(formBody(byId<HTMLFormElement>('package-search')));
  byId('package-error').textContent = '';
  try {
    const { packages } = await api<PackageSearchAnswer>('GET', `/api/staff/packages?${params}`);
    byId('package-rows').replaceChildren(
      ...packages.map((p) =>
        h(
          'tr',
          { 'data-package-id': p.id },
          h('td', {}, when(p.registeredAt)),
          h(
            'td',
            {},
            p.recipient ? `${p.recipient.firstName} ${p.recipient.lastName}` : (p.recipientText ?? ''),
          ),
          h('td', {}, p.recipient?.apartment ?? ''),
          h('td', {}, p.carrier ?? ''),
          h('td', {}, p.trackingNumber ?? ''),
          h('td', {}, words(p.state)),
          h('td', {}, p.slotId ?? ''),
          h('td', {}, p.photoUrl ? h('img', { src: p.photoUrl, alt: 'package' }) : ''),
        ),
      ),
    );
  } catch (error) {
    byId('package-error').textContent = messageOf(error);
  }
}

export function setUpPackageSearch(): void {
  byId('package-search').addEventListener('submit', (event) => {
    event.preventDefault();
    void searchPackages();
  });
}
