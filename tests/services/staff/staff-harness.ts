import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import argon2 from 'argon2';
import { createApp } from '../../../services/http/index.ts';
import { createLogger } from '../../../services/logging/index.ts';
import { createServiceMetrics } from '../../../services/metrics/index.ts';
import type { PhotoLinks } from '../../../services/notifications/index.ts';
import { createStaffReview, type StaffReviewDependencies } from '../../../services/staff/index.ts';
import type { StaffRole, Store } from '../../../services/store/index.ts';

export interface StaffApp {
  url: string;
  close(): Promise<void>;
}

/** The real HTTP app with the staff review on a loopback port of its own. */
export async function startStaffApp(
  store: Store,
  options: Omit<StaffReviewDependencies, 'store'> & { photoLinks?: PhotoLinks } = {},
): Promise<StaffApp> {
  const logger = createLogger({ level: 'silent' });
  const metrics = createServiceMetrics();
  const staffReview = createStaffReview({
    store,
    logger,
    feedPollMs: 100,
    registry: metrics.registry,
    ...options,
  });
  const app = createApp({
    store,
    metrics,
    logger,
    bodyLimitKb: 64,
    photoLinks: options.photoLinks,
    staffReview,
  });
  const server: Server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      staffReview.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

/** A staff account with a known password, straight into the store. */
export async function addStaff(store: Store, username: string, password: string, role: StaffRole) {
  // Cheap parameters: the tests check the flow, not the hash's cost.
  const passwordHash = await argon2.hash(password, { type: argon2.argon2id, memoryCost: 4096, timeCost: 2 });
  return store.people.addStaffUser({ username, displayName: `Test ${username}`, passwordHash, role });
}

export interface Session {
  cookie: string;
  csrf: string;
  user: { id: string; username: string; role: StaffRole };
}

export interface Reply {
  status: number;
  headers: Headers;
  body: any;
  text: string;
}

/** One HTTP exchange with the app, with or without a session, and CSRF token if given. */
export async function call(
  url: string,
  method: string,
  path: string,
  options: {
    session?: Session | undefined;
    body?: unknown;
    csrf?: string | null;
    headers?: Record<string, string>;
  } = {},
): Promise<Reply> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.session) headers.cookie = options.session.cookie;
  const csrf = options.csrf === undefined ? options.session?.csrf : options.csrf;
  if (csrf) headers['x-csrf-token'] = csrf;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${url}${path}`, {
    method: method.toUpperCase(),
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: response.status, headers: response.headers, body, text };
}

export async function login(url: string, username: string, password: string): Promise<Session> {
  const reply = await call(url, 'post', '/staff/login', { body: { username, password } });
  if (reply.status !== 200) throw new Error(`login of ${username} failed: ${reply.status} ${reply.text}`);
  const cookie = reply.headers.get('set-cookie')!.split(';')[0]!;
  return { cookie, csrf: reply.body.csrfToken, user: reply.body.user };
}
