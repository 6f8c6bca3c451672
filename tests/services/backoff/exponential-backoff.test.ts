import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { backoffMs } from '../../../services/backoff/index.ts';

describe('backoff schedule', () => {
  test('doubles from the first delay and stops growing at the cap', () => {
    const schedule = { firstMs: 100, maxMs: 1000, jitter: { kind: 'none' } } as const;
    assert.deepEqual(
      [0, 1, 2, 3, 4, 10, 60].map((retry) => backoffMs(schedule, retry)),
      [100, 200, 400, 800, 1000, 1000, 1000],
    );
    assert.equal(backoffMs(schedule, -1), 100, 'a retry count below zero is the first retry');
  });

  test('equal jitter keeps half the delay and randomises the other half', () => {
    const schedule = { firstMs: 1000, maxMs: 60_000, jitter: { kind: 'equal' } } as const;
    assert.equal(
      backoffMs(schedule, 0, () => 0),
      500,
    );
    assert.equal(
      backoffMs(schedule, 0, () => 1),
      1000,
    );
    assert.equal(
      backoffMs(schedule, 2, () => 0.5),
      3000,
    );
  });

  test('every jittered delay stays within its band of the capped delay', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 1, max: 100_000 }),
        fc.integer({ min: 0, max: 40 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 0.9, noNaN: true }),
        (firstMs, extraMs, retry, random, fraction) => {
          const maxMs = firstMs + extraMs;
          const capped = Math.min(maxMs, firstMs * 2 ** retry);
          const equal = backoffMs({ firstMs, maxMs, jitter: { kind: 'equal' } }, retry, () => random);
          assert.ok(equal >= capped / 2 - 1e-9 && equal <= capped + 1e-9);
          const spread = backoffMs(
            { firstMs, maxMs, jitter: { kind: 'spread', fraction } },
            retry,
            () => random,
          );
          assert.ok(spread >= capped * (1 - fraction) - 1e-6 && spread <= capped * (1 + fraction) + 1e-6);
        },
      ),
    );
  });
});
