import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer, request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../services/config/index.ts';
import { createApp } from '../../services/http/index.ts';
import { createLogger } from '../../services/logging/index.ts';
import { createServiceMetrics } from '../../services/metrics/index.ts';
import {
  createStore,
  type Database,
  migrateToLatest,
  openDatabase,
  type Store,
} from '../../services/store/index.ts';
import { createScratchDatabase, createScratchFolder, type ScratchDatabase } from '../support/databases.ts';

type Headers = Record<string, string | string[] | undefined>;

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function close(server: Server) {
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

async function headersOverHttp(
  port: number,
  path: string,
  extra: Record<string, string> = {},
): Promise<Headers> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, {
    headers: { host: 'parcelroom.test', ...extra },
  });
  await response.arrayBuffer();
  return Object.fromEntries(response.headers);
}

function headersOverHttps(port: number, path: string, ca: Buffer): Promise<Headers> {
  return new Promise((resolve, reject) => {
    const request = httpsRequest(
      { host: '127.0.0.1', port, path, ca, servername: 'localhost' },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.headers));
      },
    );
    request.on('error', reject);
    request.end();
  });
}

const csp = (headers: Headers) => String(headers['content-security-policy'] ?? '');

describe('security headers by how the request arrived', { timeout: 120_000 }, () => {
  let database: ScratchDatabase;
  let db: Database;
  let store: Store;
  const servers: Server[] = [];

  const serve = async (trustProxy?: boolean | string[]) => {
    const app = createApp({
      store,
      metrics: createServiceMetrics(),
      logger: createLogger({ level: 'silent' }),
      bodyLimitKb: 16,
      trustProxy,
    });
    const server = createServer(app);
    servers.push(server);
    return listen(server);
  };

  before(async () => {
    database = await createScratchDatabase();
    db = await openDatabase({ url: database.url, dataDir: 'unused', poolSize: 2 });
    await migrateToLatest(db);
    store = createStore(db);
  });

  after(async () => {
    for (const server of servers) await close(server);
    await db?.close();
    await database?.drop();
  });

  test('over plain HTTP on a host name the staff page carries neither HSTS nor upgrade-insecure-requests', async () => {
    const port = await serve();
    for (const path of ['/staff', '/healthz', '/no-such-page']) {
      const headers = await headersOverHttp(port, path);
      assert.equal(headers['strict-transport-security'], undefined, path);
      assert.match(csp(headers), /script-src 'self'/, `${path} still has a CSP`);
      assert.doesNotMatch(csp(headers), /upgrade-insecure-requests/, path);
    }
  });

  test('behind a trusted proxy that says https the headers carry HSTS and upgrade-insecure-requests', async () => {
    const port = await serve(['loopback']);
    const headers = await headersOverHttp(port, '/staff', { 'x-forwarded-proto': 'https' });
    assert.match(String(headers['strict-transport-security']), /max-age=\d+/);
    assert.match(csp(headers), /upgrade-insecure-requests/);
    const plain = await headersOverHttp(port, '/staff', { 'x-forwarded-proto': 'http' });
    assert.equal(plain['strict-transport-security'], undefined);
    assert.doesNotMatch(csp(plain), /upgrade-insecure-requests/);
  });

  test('a client cannot claim https with X-Forwarded-Proto when no proxy, or another proxy, is trusted', async () => {
    for (const trustProxy of [undefined, false, ['10.0.0.2']]) {
      const port = await serve(trustProxy);
      const headers = await headersOverHttp(port, '/staff', { 'x-forwarded-proto': 'https' });
      assert.equal(headers['strict-transport-security'], undefined, JSON.stringify(trustProxy));
      assert.doesNotMatch(csp(headers), /upgrade-insecure-requests/, JSON.stringify(trustProxy));
    }
  });

  test('served over HTTPS directly the headers carry HSTS and upgrade-insecure-requests', async () => {
    const folder = createScratchFolder('parcelroom-tls-');
    try {
      const [key, cert] = [join(folder.path, 'key.pem'), join(folder.path, 'cert.pem')];
      execFileSync(
        'openssl',
        [
          ...['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost'],
          ...['-addext', 'subjectAltName=DNS:localhost', '-keyout', key, '-out', cert],
        ],
        { stdio: 'ignore' },
      );
      const app = createApp({
        store,
        metrics: createServiceMetrics(),
        logger: createLogger({ level: 'silent' }),
        bodyLimitKb: 16,
      });
      const server = createHttpsServer({ key: readFileSync(key), cert: readFileSync(cert) }, app);
      servers.push(server);
      const port = await listen(server);
      const headers = await headersOverHttps(port, '/staff', readFileSync(cert));
      assert.match(String(headers['strict-transport-security']), /max-age=\d+/);
      assert.match(csp(headers), /upgrade-insecure-requests/);
    } finally {
      folder.remove();
    }
  });
});

describe('http.trustProxy setting', () => {
  const parse = (value: string) =>
    loadConfig({ env: { PARCELROOM_HTTP_TRUST_PROXY: value } }).http.trustProxy;

  test('trusts no proxy unless told', () => {
    assert.equal(loadConfig({ env: {} }).http.trustProxy, false);
  });

  test('takes true, false or a comma-separated list of addresses and subnets', () => {
    assert.equal(parse('true'), true);
    assert.equal(parse('no'), false);
    assert.deepEqual(parse('loopback, 10.0.0.2,192.168.1.0/24, fd00::1'), [
      'loopback',
      '10.0.0.2',
      '192.168.1.0/24',
      'fd00::1',
    ]);
  });

  test('refuses a value that is no address, naming the variable and the bad entry', () => {
    assert.throws(
      () => parse('loopback,proxy.example'),
      /PARCELROOM_HTTP_TRUST_PROXY must be false, true, or proxy addresses.*"proxy\.example"/,
    );
  });
});
