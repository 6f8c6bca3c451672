import { Counter, Histogram, type Registry } from 'prom-client';

export function createStaffMetrics(registry: Registry) {
  return {
    logins: new Counter({
      name: 'parcelroom_staff_logins_total',
      help: 'Staff sign-in attempts by outcome (ok, failed, locked, limited)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    flagActions: new Counter({
      name: 'parcelroom_staff_flag_actions_total',
      help: 'Flag actions by action and outcome (done, refused)',
      labelNames: ['action', 'outcome'] as const,
      registers: [registry],
    }),
    flagActionSeconds: new Histogram({
      name: 'parcelroom_staff_flag_action_seconds',
      help: 'Time to commit one flag action (transaction and ledger reload)',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    liveStreams: new Counter({
      name: 'parcelroom_staff_live_streams_total',
      help: 'Live flag streams opened by staff pages',
      registers: [registry],
    }),
  };
}

export type StaffMetrics = ReturnType<typeof createStaffMetrics>;
