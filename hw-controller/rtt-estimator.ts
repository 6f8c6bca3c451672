import { backoffMs } from '../services/backoff/index.ts';

export interface RttEstimatorOptions {
  /** Never wait less than this for a reply: below it, a busy box's scheduling noise would look like loss. */
  floorMs: number;
  /** Never wait more than this for one attempt. */
  ceilingMs: number;
  /** The timeout before the first round trip was measured. */
  initialMs: number;
}

/**
 * How long to wait for a reply, from the round trips measured so far: TCP's retransmission
 * timer (RFC 6298), SRTT + 4 × RTTVAR, clamped between a floor and a ceiling. On a quiet box
 * the floor decides; on a loaded one (slow, jittery replies) the timeout grows with the jitter
 * instead of calling a slow reply lost. Only replies to a first attempt are samples (Karn's
 * rule): a reply to a retried request cannot say which attempt it answers.
 */
export class RttEstimator {
  private srttMs: number | undefined;
  private rttvarMs = 0;

  constructor(private readonly options: RttEstimatorOptions) {}

  sample(rttMs: number): void {
    if (!Number.isFinite(rttMs) || rttMs < 0) return;
    if (this.srttMs === undefined) {
      this.srttMs = rttMs;
      this.rttvarMs = rttMs / 2;
      return;
    }
    this.rttvarMs = 0.75 * this.rttvarMs + 0.25 * Math.abs(this.srttMs - rttMs);
    this.srttMs = 0.875 * this.srttMs + 0.125 * rttMs;
  }

  /** The smoothed round trip, undefined before the first sample. */
  get smoothedMs(): number | undefined {
    return this.srttMs;
  }

  /** The wait for attempt `attempt` (1 = first): the timeout, doubled for each retry (capped). */
  timeoutMs(attempt = 1): number {
    const { floorMs, ceilingMs, initialMs } = this.options;
    const base = this.srttMs === undefined ? initialMs : this.srttMs + 4 * this.rttvarMs;
    const schedule = {
      firstMs: Math.max(floorMs, base),
      maxMs: ceilingMs,
      jitter: { kind: 'none' },
    } as const;
    return Math.round(backoffMs(schedule, attempt - 1));
  }
}
