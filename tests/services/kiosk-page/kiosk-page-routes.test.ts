import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import express from 'express';
import pino from 'pino';
import { kioskPageRoutes } from '../../../services/kiosk-page/index.ts';

describe('kiosk page routes', () => {
  let server: Server;
  let url: string;
  let panelUrl: string | undefined;

  before(async () => {
    const page = kioskPageRoutes({ logger: pino({ level: 'silent' }), demoPanelUrl: () => panelUrl });
    await page.ready;
    const app = express();
    app.use(page.router);
    server = createServer(app).listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  test('the page and its compiled script and style are served with a same-origin-only policy', async () => {
    const page = await fetch(`${url}/kiosk`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    const policy = page.headers.get('content-security-policy') ?? '';
    assert.match(policy, /default-src 'self'/);
    assert.match(policy, /script-src 'self'(;|$)/);
    const html = await page.text();
    assert.ok(html.includes('/kiosk/assets/kiosk.js') && html.includes('/kiosk/assets/kiosk.css'));
    assert.ok(!/(src|href)="(https?:)?\/\//.test(html), 'nothing is loaded from another host');

    const script = await fetch(`${url}/kiosk/assets/kiosk.js`);
    assert.equal(script.status, 200);
    assert.match(script.headers.get('content-type') ?? '', /javascript/);
    const code = await script.text();
    // One bundle, TypeScript gone: no imports left for the browser to fetch.
    assert.ok(!/^\s*import\s/m.test(code));
    assert.ok(code.includes('/kiosk/ws') && code.includes('/kiosk/device'));
    assert.equal((await fetch(`${url}/kiosk/assets/kiosk.css`)).status, 200);
  });

  test('/demo leads to the control panel while the simulator runs and is 404 otherwise', async () => {
    panelUrl = undefined;
    const off = await fetch(`${url}/demo`, { redirect: 'manual' });
    assert.equal(off.status, 404);
    assert.match(((await off.json()) as { error: { message: string } }).error.message, /simulator is off/);
    panelUrl = 'http://127.0.0.1:8554/demo';
    const on = await fetch(`${url}/demo`, { redirect: 'manual' });
    assert.equal(on.status, 302);
    assert.equal(on.headers.get('location'), panelUrl);
  });
});
