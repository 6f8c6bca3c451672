import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The room ledger service's metrics, registered in the service's registry. */
export function createLedgerMetrics(registry: Registry) {
  const registers = [registry];
  return {
    inputs: new Counter({
      name: 'parcelroom_ledger_inputs_total',
      help: 'Inputs the room ledger took in, by type and outcome (committed, duplicate, refused, failed, unavailable, held, dropped)',
      labelNames: ['type', 'outcome'] as const,
      registers,
    }),
    flags: new Counter({
      name: 'parcelroom_ledger_flags_total',
      help: 'Flags the room ledger raised, by kind',
      labelNames: ['kind'] as const,
      registers,
    }),
    held: new Gauge({
      name: 'parcelroom_ledger_held_observations',
      help: 'Observations held while the database is unavailable, committed in order when it is back',
      registers,
    }),
    commitSeconds: new Histogram({
      name: 'parcelroom_ledger_commit_seconds',
      help: 'From an input reaching the ledger to its decisions committed in the store',
      buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers,
    }),
  };
}

export type LedgerMetrics = ReturnType<typeof createLedgerMetrics>;
