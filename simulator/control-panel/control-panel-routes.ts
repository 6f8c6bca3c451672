import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import express, { type Router } from 'express';

const assets = {
  'control-panel.html': 'text/html; charset=utf-8',
  'control-panel.css': 'text/css; charset=utf-8',
  'control-panel.js': 'text/javascript; charset=utf-8',
} as const;

// Read once: the files ship with the code and are small.
const bodies = Object.fromEntries(
  Object.keys(assets).map((name) => [name, readFileSync(fileURLToPath(new URL(name, import.meta.url)))]),
) as Record<keyof typeof assets, Buffer>;

// Everything the panel needs comes from this server: no CDN, works on a room's offline network.
const contentSecurityPolicy =
  "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/**
 * The simulator's control panel at `/demo`: the camera streams and buttons that let a visitor play
 * courier (place a package) and resident (take one), with links to the kiosk.
 */
export function controlPanelRoutes(options: { links: () => Record<string, string> }): Router {
  const router = express.Router();
  const send = (name: keyof typeof assets) => (_req: express.Request, res: express.Response) => {
    res
      .set({
        'Content-Type': assets[name],
        'Cache-Control': 'no-cache',
        'Content-Security-Policy': contentSecurityPolicy,
      })
      .send(bodies[name]);
  };
  router.get('/demo', send('control-panel.html'));
  router.get('/demo/control-panel.css', send('control-panel.css'));
  router.get('/demo/control-panel.js', send('control-panel.js'));
  router.get('/demo/links.json', (_req, res) => {
    res.json({ links: options.links() });
  });
  return router;
}
