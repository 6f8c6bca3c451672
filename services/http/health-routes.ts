import { Router } from 'express';
import type { ServiceMetrics } from '../metrics/index.ts';
import type { Store } from '../store/index.ts';

/**
 * What else the room depends on, for /readyz to report: the hardware link and the cameras.
 * Informational: the service takes deliveries with the laser or a camera down, so only the
 * database decides readiness.
 */
export type ReadinessDetails = () => Record<string, unknown>;

export function healthRoutes(store: Store, metrics: ServiceMetrics, details?: ReadinessDetails): Router {
  const router = Router();
  // Liveness says only that the process serves HTTP; orchestrators restart it when this fails.
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const answers = await store.ping();
    const away = store.db.availability.state;
    // A database that answers but refused the last write (a full disk) cannot record a delivery.
    const database = answers && away.available;
    metrics.databaseUp.set(database ? 1 : 0);
    res.status(database ? 200 : 503).json({
      status: database ? 'ready' : 'unavailable',
      checks: { database: database ? 'ok' : answers ? 'refusing writes' : 'unreachable', ...details?.() },
      // Why not, and since when: what an operator looks at first.
      ...(database
        ? {}
        : {
            reason: {
              database: away.available ? 'no answer within 2 s' : (away.reason ?? 'unavailable'),
              since: new Date(away.available ? Date.now() : away.sinceMs).toISOString(),
            },
          }),
    });
  });
  router.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  return router;
}
