import { Router } from 'express';
import type { ServiceMetrics } from '../metrics/index.ts';
import type { Store } from '../store/index.ts';

export function healthRoutes(store: Store, metrics: ServiceMetrics): Router {
  const router = Router();
  // Liveness says only that the process serves HTTP; orchestrators restart it when this fails.
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const database = await store.ping();
    metrics.databaseUp.set(database ? 1 : 0);
    res.status(database ? 200 : 503).json({
      status: database ? 'ready' : 'unavailable',
      checks: { database: database ? 'ok' : 'unreachable' },
    });
  });
  router.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  return router;
}
