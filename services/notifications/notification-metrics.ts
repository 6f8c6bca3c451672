import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { OutboxStatus } from '../store/index.ts';

/** The worker's metrics, registered in the service's registry (or a fresh one in tests). */
export function createNotificationMetrics(
  registry: Registry = new Registry(),
  queueDepth?: () => Promise<Record<OutboxStatus, number>>,
) {
  return {
    registry,
    sent: new Counter({
      name: 'parcelroom_notifications_sent_total',
      help: 'Notifications handed to the mail server or SMS provider',
      labelNames: ['channel', 'template'] as const,
      registers: [registry],
    }),
    failed: new Counter({
      name: 'parcelroom_notifications_failed_attempts_total',
      help: 'Send attempts that failed and will be retried',
      labelNames: ['channel'] as const,
      registers: [registry],
    }),
    parked: new Counter({
      name: 'parcelroom_notifications_parked_total',
      help: 'Notifications given up on; they wait for staff',
      labelNames: ['channel', 'reason'] as const,
      registers: [registry],
    }),
    cancelled: new Counter({
      name: 'parcelroom_notifications_cancelled_total',
      help: 'Notifications dropped because their reason went away (package already collected)',
      labelNames: ['channel'] as const,
      registers: [registry],
    }),
    sendDuration: new Histogram({
      name: 'parcelroom_notification_send_duration_seconds',
      help: 'Time to compose and hand over one notification',
      labelNames: ['channel', 'outcome'] as const,
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    queueDepth: new Gauge({
      name: 'parcelroom_notifications_queue_depth',
      help: 'Outbox rows by status',
      labelNames: ['status'] as const,
      registers: [registry],
      async collect() {
        if (!queueDepth) return;
        try {
          const counts = await queueDepth();
          for (const [status, count] of Object.entries(counts)) this.set({ status }, count);
        } catch {
          // A scrape while the database is away reports the last known depth.
        }
      },
    }),
  };
}

export type NotificationMetrics = ReturnType<typeof createNotificationMetrics>;
