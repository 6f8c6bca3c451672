export { type BackoffJitter, type BackoffSchedule, backoffMs } from './exponential-backoff.ts';
