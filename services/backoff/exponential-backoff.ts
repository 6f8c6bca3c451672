/**
 * One schedule for every "wait longer after each failure" in the service: the notification
 * outbox's retries, a camera's reconnects, the hw-controller's ack timeouts. Only the delay is
 * computed here; each caller waits its own way (a row's `next_attempt_at`, an RxJS timer, a
 * ZeroMQ poll), which is why this is a function and not a retrying executor.
 */

export type BackoffJitter =
  /** Exactly the capped delay: for timeouts, where the delay is a bound and not a wake-up time. */
  | { kind: 'none' }
  /** Half fixed, half random: many callers failing together spread over the second half. */
  | { kind: 'equal' }
  /** ± `fraction` of the delay, uniformly. */
  | { kind: 'spread'; fraction: number };

export interface BackoffSchedule {
  /** The delay before the first retry. */
  firstMs: number;
  /** No delay grows past this (before jitter). */
  maxMs: number;
  jitter: BackoffJitter;
}

/** The delay before retry `retry` (0 = the first): `firstMs` doubled `retry` times, capped, jittered. */
export function backoffMs(
  schedule: BackoffSchedule,
  retry: number,
  random: () => number = Math.random,
): number {
  const delay = Math.min(schedule.maxMs, schedule.firstMs * 2 ** Math.max(0, retry));
  const { jitter } = schedule;
  if (jitter.kind === 'equal') return delay / 2 + random() * (delay / 2);
  if (jitter.kind === 'spread') return delay * (1 - jitter.fraction + 2 * jitter.fraction * random());
  return delay;
}
