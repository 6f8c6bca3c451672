import { fileURLToPath } from 'node:url';
import express, { type Router } from 'express';
import { bundlePage } from '../http/page-bundle.ts';
import type { Logger } from '../logging/index.ts';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const staticDir = here('./page/static/');

export interface StaffPage {
  router: Router;
  /** Resolves once the page's script is compiled; rejects with a PageBuildError. */
  ready: Promise<void>;
}

/**
 * The staff page: `GET /staff` and its assets under `/staff/assets/`. The TypeScript client
 * (`page/client/`) is compiled once, in memory, when the service starts, as the kiosk page is.
 * Its headers are the app's (helmet): the default policy already allows only this host's scripts.
 */
export function staffPageRoutes({ logger }: { logger?: Logger | undefined }): StaffPage {
  const script = bundlePage(here('./page/client/staff-app.ts'));
  const ready = script.then(() => undefined);
  ready.catch((error: unknown) => logger?.error({ err: error }, 'staff page failed to build'));

  const router = express.Router();
  router.get(['/staff', '/staff/'], (_req, res) => {
    res.set('cache-control', 'no-store').sendFile('staff.html', { root: staticDir });
  });
  router.get('/staff/assets/staff.js', async (_req, res, next) => {
    try {
      const body = await script;
      // The script changes with the service: always ask, never run a stale one.
      res.set({ 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-cache' }).send(body);
    } catch (error) {
      next(error);
    }
  });
  router.use('/staff/assets', express.static(staticDir, { index: false, fallthrough: false, maxAge: 0 }));
  return { router, ready };
}
