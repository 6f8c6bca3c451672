import { backoffAfter, type LoginLimitSettings } from './login-backoff.ts';

/** 365.25 days. */
export const yearMs = 365.25 * 24 * 3600_000;

/**
 * The most kiosks a room is assumed to have (docs/kiosk-credentials.md). The bound below is
 * computed for the larger of this and the configured devices.
 */
export const assumedMaxKiosks = 8;

/** Packages on the shelves the bound is computed for: each has one pickup PIN waiting. */
export const assumedWaitingPins = 200;

/**
 * The most tries one kiosk can be made to check in `periodMs`, whatever the order and timing of
 * the tries: B + 1 tries waiting less than the cap (B of them, plus one for every counted try
 * forgotten, D ≤ periodMs / forgetOneTryMs), and one try per cap for the rest.
 * (Proof sketch in docs/kiosk-credentials.md.)
 */
export function maxTriesPerKiosk(settings: LoginLimitSettings, periodMs = yearMs): number {
  let quickTries = 0;
  while (backoffAfter(quickTries + 1, settings) < settings.maxBackoffMs) quickTries++;
  const forgotten = Math.floor(periodMs / settings.forgetOneTryMs);
  const atCap = Math.floor(periodMs / settings.maxBackoffMs) + 1;
  return quickTries + forgotten + atCap;
}

export interface GuessingBound {
  kiosks: number;
  pinValues: number;
  waitingPins: number;
  /** (S + 1) / (N + 1): guesses drawn without repeats until one hits any of N waiting PINs. */
  expectedGuesses: number;
  triesPerYear: number;
  expectedYears: number;
}

/** The expected time for an attacker using every kiosk at full rate to hit any waiting pickup PIN. */
export function pinGuessingBound(options: {
  settings: LoginLimitSettings;
  pinDigits: number;
  configuredKiosks: number;
  waitingPins?: number;
}): GuessingBound {
  const kiosks = Math.max(options.configuredKiosks, assumedMaxKiosks);
  const pinValues = 10 ** options.pinDigits;
  const waitingPins = options.waitingPins ?? assumedWaitingPins;
  const expectedGuesses = (pinValues + 1) / (waitingPins + 1);
  const triesPerYear = kiosks * maxTriesPerKiosk(options.settings);
  return {
    kiosks,
    pinValues,
    waitingPins,
    expectedGuesses,
    triesPerYear,
    expectedYears: expectedGuesses / triesPerYear,
  };
}
