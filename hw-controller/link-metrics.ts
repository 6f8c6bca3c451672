import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The service-side link's metrics, registered in the service's registry. */
export function createHwLinkMetrics(registry: Registry) {
  const registers = [registry];
  return {
    linkUp: new Gauge({
      name: 'parcelroom_hw_link_up',
      help: '1 while the hw-controller daemon answers heartbeats, else 0',
      registers,
    }),
    roundTrip: new Histogram({
      name: 'parcelroom_hw_round_trip_seconds',
      help: 'Time from sending a request to the daemon to its ack or error',
      labelNames: ['type'] as const,
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers,
    }),
    requests: new Counter({
      name: 'parcelroom_hw_requests_total',
      help: 'Requests to the daemon by type and outcome (ok, refused, timeout, superseded, closed)',
      labelNames: ['type', 'outcome'] as const,
      registers,
    }),
    retries: new Counter({
      name: 'parcelroom_hw_retries_total',
      help: 'Requests sent again because no ack arrived in time',
      labelNames: ['type'] as const,
      registers,
    }),
    reconnects: new Counter({
      name: 'parcelroom_hw_reconnects_total',
      help: 'Times the link went quiet and the socket was opened again',
      registers,
    }),
    resyncs: new Counter({
      name: 'parcelroom_hw_resyncs_total',
      help: 'Times the current locator state was sent again after a reconnect or a daemon restart',
      registers,
    }),
  };
}

export type HwLinkMetrics = ReturnType<typeof createHwLinkMetrics>;
