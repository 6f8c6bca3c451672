import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The service's metrics live in their own registry rather than prom-client's global one, so two
 * services in one process (as in the tests) never collide over metric names.
 */
export function createServiceMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'parcelroom_' });
  return {
    registry,
    httpRequests: new Counter({
      name: 'parcelroom_http_requests_total',
      help: 'HTTP requests served, by method, route and status',
      labelNames: ['method', 'route', 'status'] as const,
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'parcelroom_http_request_duration_seconds',
      help: 'HTTP request handling time',
      labelNames: ['method', 'route'] as const,
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    dbQueryDuration: new Histogram({
      name: 'parcelroom_db_query_duration_seconds',
      help: 'Time spent in database queries',
      labelNames: ['outcome'] as const,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    }),
    migrationsApplied: new Gauge({
      name: 'parcelroom_db_migrations_applied',
      help: 'Schema migrations applied in total',
      registers: [registry],
    }),
    databaseUp: new Gauge({
      name: 'parcelroom_db_up',
      help: '1 when the last readiness probe reached the database',
      registers: [registry],
    }),
    roomSlots: new Gauge({
      name: 'parcelroom_room_slots',
      help: 'Slots in each room, by occupancy',
      labelNames: ['room', 'state'] as const,
      registers: [registry],
    }),
  };
}

export type ServiceMetrics = ReturnType<typeof createServiceMetrics>;
