import express, { type Express, type Router } from 'express';
import { pinoHttp } from 'pino-http';
import type { Logger } from '../logging/index.ts';
import type { ServiceMetrics } from '../metrics/index.ts';
import type { PhotoLinks } from '../notifications/index.ts';
import { createStaffReview, type StaffReview } from '../staff/index.ts';
import type { Store } from '../store/index.ts';
import { errorHandler, notFoundHandler } from './error-handling.ts';
import { healthRoutes, type ReadinessDetails } from './health-routes.ts';
import { photoLinkRoutes } from './photo-link-routes.ts';
import { roomRoutes } from './room-routes.ts';
import { securityHeaders } from './security-headers.ts';

export interface AppDependencies {
  store: Store;
  metrics: ServiceMetrics;
  logger: Logger;
  bodyLimitKb: number;
  /** Verifies the residents' signed photo links; without it `/p/…` is not served. */
  photoLinks?: PhotoLinks | undefined;
  /** The kiosk page (`/kiosk`, its assets, `/demo`); not served when absent. */
  kioskPage?: Router | undefined;
  /** The staff sign-in, page and API; built with defaults when absent. It also guards `/api`. */
  staffReview?: StaffReview | undefined;
  /** More for /readyz to report (hardware link, cameras); see ReadinessDetails. */
  readinessDetails?: ReadinessDetails | undefined;
  /**
   * Proxies whose X-Forwarded-Proto (and -For) are believed: `true` for any, or addresses and
   * subnets as Express's `trust proxy` takes them. Default: none, so a client cannot claim HTTPS.
   */
  trustProxy?: boolean | readonly string[] | undefined;
}

export function createApp({
  store,
  metrics,
  logger,
  bodyLimitKb,
  photoLinks,
  staffReview,
  kioskPage,
  readinessDetails,
  trustProxy = false,
}: AppDependencies): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.set('trust proxy', typeof trustProxy === 'boolean' ? trustProxy : [...trustProxy]);
  app.use(securityHeaders());
  app.use(
    pinoHttp({
      logger,
      // Probes arrive every few seconds; logging them would drown everything else.
      autoLogging: { ignore: (req) => ['/healthz', '/readyz', '/metrics'].includes(req.url ?? '') },
      customLogLevel: (_req, res, error) =>
        error || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
      // A photo link is a credential: whoever reads the log must not be able to open it.
      serializers: {
        req: (req: { url?: string; params?: Record<string, unknown>; headers?: Record<string, unknown> }) => {
          // Session cookies and CSRF tokens are credentials too.
          if (req.headers?.cookie || req.headers?.['x-csrf-token'])
            req.headers = { ...req.headers, cookie: '***', 'x-csrf-token': '***' };
          if (req.url?.startsWith('/p/')) {
            req.url = req.url.replace(/^\/p\/[^/?]*/, '/p/***');
            if (req.params?.token) req.params = { ...req.params, token: '***' };
          }
          return req;
        },
        res: (res: { headers?: Record<string, unknown> }) => {
          if (res.headers?.['set-cookie']) res.headers = { ...res.headers, 'set-cookie': '***' };
          return res;
        },
      },
    }),
  );
  app.use((req, res, next) => {
    const stop = metrics.httpDuration.startTimer();
    res.on('finish', () => {
      // The route pattern, not the URL, keeps label cardinality bounded.
      const route = req.route?.path ? `${req.baseUrl}${req.route.path}` : 'unmatched';
      stop({ method: req.method, route });
      metrics.httpRequests.inc({ method: req.method, route, status: String(res.statusCode) });
    });
    next();
  });
  app.use(express.json({ limit: `${bodyLimitKb}kb` }));
  app.use(healthRoutes(store, metrics, readinessDetails));
  const staff = staffReview ?? createStaffReview({ store, logger });
  app.use(staff.router);
  // The room API shows who gets which parcel: staff only, like the rest of `/api`.
  app.use('/api', ...staff.apiGuard, roomRoutes(store));
  if (photoLinks) app.use(photoLinkRoutes(store, photoLinks));
  if (kioskPage) app.use(kioskPage);
  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}
