/**
 * The rules of kiosk login tries, without I/O (docs/kiosk-credentials.md): each kiosk, for each
 * kind of login, gets a few tries with no wait; after that every try makes the next one wait,
 * twice as long each time up to `maxBackoffMs`. One counted try is forgotten per
 * `forgetOneTryMs` without a try. There is no room-wide lock: one person at one kiosk can make
 * that kiosk wait at most `maxBackoffMs`, never the others.
 */
export interface LoginLimitSettings {
  /** Tries a kiosk gets with no wait (a person mistyping a PIN or two). */
  freeTries: number;
  /** The wait after the first try past the free ones; doubled for each further try. */
  firstBackoffMs: number;
  /** The longest wait: the most any kiosk checks is one try per this long. */
  maxBackoffMs: number;
  /** One counted try is forgotten per this long without a try. */
  forgetOneTryMs: number;
}

export const defaultLoginLimits: LoginLimitSettings = {
  freeTries: 3,
  firstBackoffMs: 5_000,
  maxBackoffMs: 60_000,
  forgetOneTryMs: 10 * 60_000,
};

/** What the store keeps per kiosk and kind of login. */
export interface LoginTryState {
  tries: number;
  lastTryAtMs: number;
  lockedUntilMs: number;
}

export type TryReservation =
  | {
      allowed: true;
      state: LoginTryState;
      /** Tries left with no wait after this one. */
      freeTriesLeft: number;
      /** How long the kiosk waits after this try before it checks another (0: no wait). */
      waitAfterMs: number;
    }
  | { allowed: false; retryAfterMs: number };

/** The wait after the `tries`-th counted try. */
export function backoffAfter(tries: number, settings: LoginLimitSettings): number {
  if (tries <= settings.freeTries) return 0;
  const doublings = Math.min(tries - settings.freeTries - 1, 30);
  return Math.min(settings.maxBackoffMs, settings.firstBackoffMs * 2 ** doublings);
}

/** Counts a try before its PIN is checked, or refuses it while the kiosk waits. */
export function reserveTry(
  state: LoginTryState,
  nowMs: number,
  settings: LoginLimitSettings,
): TryReservation {
  if (nowMs < state.lockedUntilMs) return { allowed: false, retryAfterMs: state.lockedUntilMs - nowMs };
  const forgotten = Math.floor(Math.max(0, nowMs - state.lastTryAtMs) / settings.forgetOneTryMs);
  const tries = Math.max(0, state.tries - forgotten) + 1;
  const waitAfterMs = backoffAfter(tries, settings);
  return {
    allowed: true,
    state: { tries, lastTryAtMs: nowMs, lockedUntilMs: nowMs + waitAfterMs },
    freeTriesLeft: Math.max(0, settings.freeTries - tries),
    waitAfterMs,
  };
}

/**
 * A right login gives its counted try back, but not the wait it started: otherwise someone with
 * one right PIN could alternate it with guesses and never wait.
 */
export function refundTry(state: LoginTryState): LoginTryState {
  return { ...state, tries: Math.max(0, state.tries - 1) };
}

/** "40 s", "1 min": how long a person has to wait, rounded up to a second. */
export function describeWait(ms: number): string {
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  const rest = seconds % 60;
  return rest === 0 ? `${minutes} min` : `${minutes} min ${rest} s`;
}
