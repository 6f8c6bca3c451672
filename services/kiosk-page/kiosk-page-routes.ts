import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import express, { type Router } from 'express';
import { bundlePage } from '../http/page-bundle.ts';
import type { Logger } from '../logging/index.ts';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/**
 * Everything the kiosk loads comes from this service: a kiosk on the building's network may have
 * no internet, and a page that pulls code from elsewhere could be made to do anything.
 * `media-src` allows the camera preview; `connect-src 'self'` covers the WebSocket on this host.
 */
const contentSecurityPolicy = [
  "default-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob: mediastream:",
  "script-src 'self'",
  "style-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export interface KioskPageOptions {
  logger: Logger;
  /** The simulator's control panel, when the demo room runs: `GET /demo` leads there. */
  demoPanelUrl?: () => string | undefined;
}

export interface KioskPage {
  router: Router;
  /** Resolves once the page's script is compiled; rejects with esbuild's errors. */
  ready: Promise<void>;
}

/**
 * The kiosk page: `GET /kiosk` and its assets under `/kiosk/assets/`. The TypeScript client is
 * compiled once, in memory, when the service starts (`bundlePage`, shared with the staff page).
 */
export function kioskPageRoutes({ logger, demoPanelUrl }: KioskPageOptions): KioskPage {
  const bundle = bundlePage(here('client/kiosk-app.ts'));
  const html = readFile(here('static/kiosk.html'));
  const css = readFile(here('static/kiosk.css'));
  const ready = Promise.all([bundle, html, css]).then(() => undefined);
  ready.catch((error: unknown) => logger.error({ err: error }, 'kiosk page failed to build'));

  const router = express.Router();
  const serve =
    (body: Promise<Buffer>, contentType: string) =>
    async (_req: express.Request, res: express.Response, next: express.NextFunction) => {
      try {
        const content = await body;
        res
          .set({
            'Content-Type': contentType,
            'Content-Security-Policy': contentSecurityPolicy,
            // The page is small and changes with the service: always ask, never serve a stale script.
            'Cache-Control': 'no-cache',
            'Permissions-Policy': 'camera=(self), microphone=()',
          })
          .send(content);
      } catch (error) {
        next(error);
      }
    };
  router.get('/kiosk', serve(html, 'text/html; charset=utf-8'));
  router.get('/kiosk/assets/kiosk.js', serve(bundle, 'text/javascript; charset=utf-8'));
  router.get('/kiosk/assets/kiosk.css', serve(css, 'text/css; charset=utf-8'));
  router.get('/demo', (_req, res) => {
    const panel = demoPanelUrl?.();
    if (!panel) {
      res.status(404).json({
        error: { code: 'not_found', message: 'the simulator is off, so there is no control panel' },
      });
      return;
    }
    res.redirect(302, panel);
  });
  return { router, ready };
}
