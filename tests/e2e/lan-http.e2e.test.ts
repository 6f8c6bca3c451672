import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import type { Browser, BrowserContext, Page, Response } from 'playwright-core';
import { launchChromium } from '../support/chromium.ts';
import { createScratchDatabase, type ScratchDatabase } from '../support/databases.ts';
import { type ServiceProcess, startServiceProcess } from '../support/service-process.ts';

/**
 * A building's install as staff and the kiosk meet it: the service bound to every address and
 * opened by a LAN host name over plain HTTP, no TLS anywhere. Chromium resolves the name to this
 * machine. Every request the pages make must stay on http://parcelroom.test:PORT, and the CSP
 * must not be what stops them.
 */

const hostName = 'parcelroom.test';
const kioskDevice = { id: 'lobby-kiosk', token: 'lobby-kiosk-token-0123456789abcdef' };
const waitMs = 30_000;

interface PageWatch {
  requests: string[];
  failed: string[];
  cspViolations: string[];
}

/** Records what a page asks for, what failed, and every CSP violation the page reports. */
async function watch(context: BrowserContext): Promise<PageWatch> {
  const seen: PageWatch = { requests: [], failed: [], cspViolations: [] };
  context.on('request', (request) => seen.requests.push(request.url()));
  context.on('requestfailed', (request) =>
    seen.failed.push(`${request.url()}: ${request.failure()?.errorText}`),
  );
  context.on('console', (message) => {
    if (/content security policy/i.test(message.text())) seen.cspViolations.push(message.text());
  });
  await context.exposeFunction('reportCspViolation', (text: string) => seen.cspViolations.push(text));
  // Runs in the page (as text: the tests are compiled without the DOM's types).
  await context.addInitScript({
    content: `document.addEventListener('securitypolicyviolation', (event) =>
      window.reportCspViolation(event.violatedDirective + ' blocked ' + event.blockedURI));`,
  });
  return seen;
}

/** What a page served over plain HTTP must not say: remember https, or fetch its parts over https. */
async function assertNoHttpsHeaders(response: Response | null) {
  assert.ok(response, 'the page answered');
  const headers = await response.allHeaders();
  assert.equal(headers['strict-transport-security'], undefined, 'no HSTS over plain HTTP');
  assert.doesNotMatch(headers['content-security-policy'] ?? '', /upgrade-insecure-requests/);
}

function assertStayedOnPlainHttp(seen: PageWatch, origin: string) {
  assert.ok(seen.requests.length > 0, 'the page made requests');
  const wsOrigin = origin.replace(/^http:/, 'ws:');
  const elsewhere = seen.requests.filter(
    (url) => !url.startsWith(`${origin}/`) && !url.startsWith(`${wsOrigin}/`),
  );
  assert.deepEqual(elsewhere, [], 'every request goes to the page’s own plain-HTTP origin');
  assert.deepEqual(
    seen.requests.filter((url) => /^(https|wss):/.test(url)),
    [],
    'nothing was upgraded to https',
  );
  assert.deepEqual(seen.failed, [], 'no request failed');
  assert.deepEqual(seen.cspViolations, [], 'no CSP violation was reported');
}

describe('pages over plain HTTP on a LAN host name', { timeout: 150_000 }, () => {
  let database: ScratchDatabase;
  let service: ServiceProcess;
  let browser: Browser;
  let origin: string;

  before(async () => {
    database = await createScratchDatabase();
    service = await startServiceProcess(
      {
        DATABASE_URL: database.url,
        PARCELROOM_HTTP_HOST: '0.0.0.0',
        PARCELROOM_SIMULATOR: 'false',
        PARCELROOM_NOTIFICATIONS: 'false',
        PARCELROOM_KIOSK_DEVICES: `${kioskDevice.id}:${kioskDevice.token}`,
      },
      90_000,
    );
    origin = `http://${hostName}:${new URL(service.url).port}`;
    // One open flag for the queue, as the room would raise it.
    const db = new pg.Client({ connectionString: database.url });
    await db.connect();
    try {
      await db.query(
        `INSERT INTO flags (room_id, kind, camera_id, summary) VALUES ('demo', 'camera_offline', 'cam-2', 'cam-2 stopped sending frames')`,
      );
    } finally {
      await db.end();
    }
    browser = await launchChromium([`--host-resolver-rules=MAP ${hostName} 127.0.0.1`]);
  });

  after(async () => {
    await browser?.close();
    await service?.stop();
    await database?.drop();
  });

  const openPage = async (): Promise<{ page: Page; seen: PageWatch }> => {
    const context = await browser.newContext();
    const seen = await watch(context);
    const page = await context.newPage();
    // WebSockets are not requests to Playwright; the kiosk's socket is recorded with them.
    page.on('websocket', (socket) => seen.requests.push(socket.url()));
    return { page, seen };
  };

  test('staff sign in and see the flag queue', async () => {
    const password = (await service.waitForStderr(/password: (\S+)/))[1];
    assert.ok(password, `the first start prints the admin password:\n${service.stderr()}`);
    const { page, seen } = await openPage();
    try {
      const response = await page.goto(`${origin}/staff`);
      assert.equal(response?.status(), 200);
      await assertNoHttpsHeaders(response);
      await page.waitForSelector('#login-form', { timeout: waitMs });
      await page.fill('#login-username', 'admin');
      await page.fill('#login-password', password);
      await page.click('#login-submit');
      await page
        .locator('#flag-list li[data-flag-id]', { hasText: 'cam-2 stopped sending frames' })
        .waitFor({ timeout: waitMs });
      assert.equal(await page.locator('#flag-list li[data-flag-id]').count(), 1);
      assert.equal(new URL(page.url()).origin, origin);
      assertStayedOnPlainHttp(seen, origin);
    } finally {
      await page.context().close();
    }
  });

  test('the kiosk connects with its configured device token and shows its idle screen', async () => {
    const { page, seen } = await openPage();
    try {
      const response = await page.goto(`${origin}/kiosk#device=${kioskDevice.id}&token=${kioskDevice.token}`);
      assert.equal(response?.status(), 200);
      await assertNoHttpsHeaders(response);
      await page.waitForSelector('body[data-connection="online"][data-screen="idle"]', { timeout: waitMs });
      assert.ok(
        seen.requests.includes(`ws://${hostName}:${new URL(origin).port}/kiosk/ws`),
        `the kiosk socket is plain ws on the page's host: ${seen.requests.join(', ')}`,
      );
      assertStayedOnPlainHttp(seen, origin);
    } finally {
      await page.context().close();
    }
  });
});
