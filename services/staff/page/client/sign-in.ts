import type { Resident } from '../../../store/index.ts';
import type { JsonOf, ResidentListAnswer, SessionAnswer } from '../../index.ts';
import { byId } from './element-builder.ts';
import { stopFollowingFlags } from './flag-queue.ts';
import { rememberResidents } from './resident-directory.ts';
import { api, messageOf, onSignedOut, useCsrfToken } from './staff-api.ts';

/** Hides every screen and asks for a user name and password. */
export function showSignIn(): void {
  stopFollowingFlags();
  for (const s of document.querySelectorAll<HTMLElement>('main > section')) s.hidden = true;
  byId('tabs').hidden = true;
  byId('who').hidden = true;
  byId('login-view').hidden = false;
  byId('login-username').focus();
}

/**
 * Sets the page up for a signed-in staff member: the tabs their role may use, the residents the
 * flag actions offer, then `opened` (the flag queue and its live feed).
 */
async function signedIn(session: JsonOf<SessionAnswer>, opened: () => void): Promise<void> {
  useCsrfToken(session.csrfToken);
  byId('login-view').hidden = true;
  byId('tabs').hidden = false;
  byId('who').hidden = false;
  byId('who-name').textContent = `${session.user.displayName} (${session.user.role})`;
  for (const b of document.querySelectorAll<HTMLElement>('[data-admin]'))
    b.hidden = session.user.role !== 'admin';
  const { residents } = await api<ResidentListAnswer>('GET', '/api/staff/residents?activeOnly=true');
  rememberResidents(residents as Resident[]);
  opened();
}

/** Wires the sign-in form and sign-out button, and resumes a session the browser still has. */
export function startSignIn(opened: () => void): void {
  onSignedOut(showSignIn);
  const password = byId<HTMLInputElement>('login-password');
  byId('login-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    byId('login-error').textContent = '';
    try {
      const session = await api<SessionAnswer>('POST', '/staff/login', {
        username: byId<HTMLInputElement>('login-username').value,
        password: password.value,
      });
      password.value = '';
      await signedIn(session, opened);
    } catch (error) {
      byId('login-error').textContent = messageOf(error);
    }
  });
  byId('logout').addEventListener('click', async () => {
    await api('POST', '/staff/logout').catch(() => undefined);
    showSignIn();
  });
  api<SessionAnswer>('GET', '/staff/session')
    .then((session) => signedIn(session, opened))
    .catch(() => showSignIn());
}
