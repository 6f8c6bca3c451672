// The staff review page: plain DOM, no framework, no CDN. Text goes in with textContent only.
// Built into one script by services/http/page-bundle.ts when the service starts.
import { byId } from './element-builder.ts';
import { followFlags, loadFlags } from './flag-queue.ts';
import { searchPackages, setUpPackageSearch } from './package-search.ts';
import { loadAccounts, loadCouriers, loadResidents, setUpPeopleForms } from './people-lists.ts';
import { loadRoom } from './room-overview.ts';
import { startSignIn } from './sign-in.ts';
import { messageOf } from './staff-api.ts';
import { toast } from './toast.ts';

/** Each tab of the page and what it loads when opened; the names are the HTML's `data-tab`s. */
const screens = {
  flags: loadFlags,
  packages: searchPackages,
  residents: loadResidents,
  room: loadRoom,
  couriers: loadCouriers,
  accounts: loadAccounts,
} satisfies Record<string, () => Promise<void>>;
type Screen = keyof typeof screens;
const isScreen = (name: string | undefined): name is Screen => name !== undefined && name in screens;

function openScreen(name: Screen): void {
  for (const b of document.querySelectorAll<HTMLElement>('#tabs button'))
    b.classList.toggle('active', b.dataset.tab === name);
  for (const s of document.querySelectorAll<HTMLElement>('main > section.tab'))
    s.hidden = s.id !== `${name}-view`;
  screens[name]().catch((error: unknown) => toast(messageOf(error)));
}

for (const b of byId('tabs').querySelectorAll<HTMLElement>('button'))
  b.addEventListener('click', () => {
    if (isScreen(b.dataset.tab)) openScreen(b.dataset.tab);
  });
setUpPackageSearch();
setUpPeopleForms();
startSignIn(() => {
  openScreen('flags');
  followFlags();
});
