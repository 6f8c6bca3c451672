import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  backoffAfter,
  defaultLoginLimits,
  describeWait,
  type LoginLimitSettings,
  type LoginTryState,
  maxTriesPerKiosk,
  pickupPinDigits,
  pinGuessingBound,
  refundTry,
  reserveTry,
  yearMs,
} from '../../../services/kiosk/index.ts';

const fresh: LoginTryState = { tries: 0, lastTryAtMs: 0, lockedUntilMs: 0 };

/** Tries one kiosk gets checked in `periodMs` when an attacker tries again the moment it may. */
function greedyTries(settings: LoginLimitSettings, periodMs: number, pauseMs = 0): number {
  let state = fresh;
  let now = 1;
  let checked = 0;
  while (now < periodMs) {
    const r = reserveTry(state, now, settings);
    if (!r.allowed) {
      now += r.retryAfterMs;
      continue;
    }
    checked++;
    state = r.state;
    now = state.lockedUntilMs + pauseMs;
  }
  return checked;
}

describe('kiosk login backoff', () => {
  test('the default settings keep the expected time to guess any of 200 waiting pickup PINs above a year', () => {
    const bound = pinGuessingBound({
      settings: defaultLoginLimits,
      pinDigits: pickupPinDigits,
      configuredKiosks: 1,
    });
    assert.equal(bound.kiosks, 8, 'the bound assumes at least the documented 8 kiosks');
    assert.equal(bound.waitingPins, 200);
    assert.equal(bound.expectedGuesses, (10 ** pickupPinDigits + 1) / 201);
    assert.ok(bound.expectedYears >= 1, `expected ${bound.expectedYears.toFixed(2)} years, need ≥ 1`);
  });

  test('the bound grows with the configured kiosks and fails below a year when there are too many', () => {
    const few = pinGuessingBound({ settings: defaultLoginLimits, pinDigits: 10, configuredKiosks: 2 });
    const many = pinGuessingBound({ settings: defaultLoginLimits, pinDigits: 10, configuredKiosks: 200 });
    assert.equal(many.kiosks, 200);
    assert.ok(many.expectedYears < 1);
    assert.equal(few.triesPerYear, 8 * maxTriesPerKiosk(defaultLoginLimits));
  });

  test('six-digit PINs or a shorter cap would not hold for a year', () => {
    const six = pinGuessingBound({ settings: defaultLoginLimits, pinDigits: 6, configuredKiosks: 1 });
    assert.ok(six.expectedYears < 0.01);
    const quick = pinGuessingBound({
      settings: { ...defaultLoginLimits, maxBackoffMs: 2_000 },
      pinDigits: pickupPinDigits,
      configuredKiosks: 1,
    });
    assert.ok(quick.expectedYears < 1);
  });

  test('no attacker timing gets more tries out of one kiosk in a day than the bound allows', () => {
    const day = 24 * 3600_000;
    const bound = maxTriesPerKiosk(defaultLoginLimits, day);
    // Trying again at once; pausing to let tries be forgotten; and pausing just under and over the cap.
    for (const pauseMs of [0, 1, 30_000, 59_999, 60_001, 600_000, 1_200_000, 6_000_000]) {
      const checked = greedyTries(defaultLoginLimits, day, pauseMs);
      assert.ok(checked <= bound, `pause ${pauseMs} ms: ${checked} tries > bound ${bound}`);
    }
    // A year's bound is close to one try per minute per kiosk.
    const perYear = maxTriesPerKiosk(defaultLoginLimits, yearMs);
    assert.ok(perYear < 1.15 * (yearMs / 60_000));
  });

  test('a person gets three tries with no wait, then waits 5, 10, 20, 40 and at most 60 s', () => {
    const waits = Array.from({ length: 10 }, (_, i) => backoffAfter(i + 1, defaultLoginLimits));
    assert.deepEqual(waits, [0, 0, 0, 5_000, 10_000, 20_000, 40_000, 60_000, 60_000, 60_000]);
  });

  test('a try is refused while the kiosk waits and counted once it may go', () => {
    let state = fresh;
    for (let i = 0; i < 4; i++) {
      const r = reserveTry(state, 1000, defaultLoginLimits);
      assert.equal(r.allowed, true);
      if (r.allowed) state = r.state;
    }
    assert.deepEqual(reserveTry(state, 3000, defaultLoginLimits), { allowed: false, retryAfterMs: 3000 });
    const next = reserveTry(state, 6000, defaultLoginLimits);
    assert.ok(next.allowed);
    assert.equal(next.state.tries, 5);
    assert.equal(next.waitAfterMs, 10_000);
    assert.equal(next.freeTriesLeft, 0);
  });

  test('one counted try is forgotten per ten quiet minutes', () => {
    const state: LoginTryState = { tries: 5, lastTryAtMs: 0, lockedUntilMs: 0 };
    const later = reserveTry(state, 25 * 60_000, defaultLoginLimits);
    assert.ok(later.allowed);
    assert.equal(later.state.tries, 4, 'two forgotten, one added');
    const much = reserveTry(state, 24 * 3600_000, defaultLoginLimits);
    assert.ok(much.allowed);
    assert.equal(much.state.tries, 1);
  });

  test('a right login gives its try back but not the wait it started', () => {
    const state: LoginTryState = { tries: 6, lastTryAtMs: 100, lockedUntilMs: 40_100 };
    assert.deepEqual(refundTry(state), { tries: 5, lastTryAtMs: 100, lockedUntilMs: 40_100 });
    assert.equal(refundTry(fresh).tries, 0);
  });

  test('waits are told in whole seconds, and minutes from one minute on', () => {
    assert.equal(describeWait(39_001), '40 s');
    assert.equal(describeWait(10), '1 s');
    assert.equal(describeWait(60_000), '1 min');
    assert.equal(describeWait(90_000), '1 min 30 s');
  });
});
