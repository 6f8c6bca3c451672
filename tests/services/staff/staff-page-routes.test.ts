import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import express from 'express';
import pino from 'pino';
import { staffPageRoutes } from '../../../services/staff/index.ts';

describe('staff page routes', () => {
  let server: Server;
  let url: string;

  before(async () => {
    const page = staffPageRoutes({ logger: pino({ level: 'silent' }) });
    await page.ready;
    const app = express();
    app.use(page.router);
    // The service's error handler answers the static files' 404; a quiet stand-in does here.
    app.use(
      (
        error: { status?: number },
        _req: express.Request,
        res: express.Response,
        _next: express.NextFunction,
      ) => {
        res.status(error.status ?? 500).end();
      },
    );
    server = createServer(app).listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  test('the page links its compiled script and its style, and loads nothing from another host', async () => {
    const page = await fetch(`${url}/staff`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    assert.equal(page.headers.get('cache-control'), 'no-store');
    const html = await page.text();
    assert.ok(html.includes('/staff/assets/staff.js') && html.includes('/staff/assets/staff.css'));
    assert.ok(!/(src|href)="(https?:)?\/\//.test(html), 'nothing is loaded from another host');
    assert.equal((await fetch(`${url}/staff/`)).status, 200);
  });

  test('the script is one bundle of the TypeScript screens, with no imports left for the browser', async () => {
    const script = await fetch(`${url}/staff/assets/staff.js`);
    assert.equal(script.status, 200);
    assert.match(script.headers.get('content-type') ?? '', /javascript/);
    assert.equal(script.headers.get('cache-control'), 'no-cache');
    const code = await script.text();
    assert.ok(!/^\s*import\s/m.test(code));
    for (const path of [
      '/staff/session',
      '/api/staff/flags/stream',
      '/api/staff/room',
      '/api/staff/packages',
    ])
      assert.ok(code.includes(path), path);
    // Server types are imported as types only: no server code (express, pg, zod) in the bundle.
    assert.doesNotMatch(code, /express|node:|pg-pool|zod/);
  });

  test('the style is served and an unknown asset is 404', async () => {
    const css = await fetch(`${url}/staff/assets/staff.css`);
    assert.equal(css.status, 200);
    assert.match(css.headers.get('content-type') ?? '', /text\/css/);
    assert.equal((await fetch(`${url}/staff/assets/staff-old.js`)).status, 404);
  });
});
