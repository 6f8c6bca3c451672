import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import argon2 from 'argon2';
import { parse as parseCookies } from 'cookie';
import type { Request, RequestHandler, Response } from 'express';
import { z } from 'zod';
import { ApiError } from '../http/api-error.ts';
import type { StaffRole, StaffUser, Store } from '../store/index.ts';
import { defaultLoginLimits, LoginLimiter, type LoginLimits } from './login-limiter.ts';
import type { StaffMetrics } from './staff-metrics.ts';

export const sessionCookieName = 'parcelroom_staff';
export const csrfHeaderName = 'x-csrf-token';

export interface StaffAuthOptions {
  sessionTtlMs: number;
  /** Sets `Secure` on the cookie; on for any deployment behind HTTPS. */
  secureCookie: boolean;
  loginLimits: LoginLimits;
}

export const defaultStaffAuthOptions: StaffAuthOptions = {
  sessionTtlMs: 8 * 60 * 60_000,
  secureCookie: false,
  loginLimits: defaultLoginLimits,
};

export const loginBodySchema = z
  .object({
    username: z
      .string({ error: 'must be your user name' })
      .trim()
      .toLowerCase()
      .min(2, 'must be your user name')
      .max(64, 'must be at most 64 characters'),
    password: z.string({ error: 'must be your password' }).min(1, 'must be your password').max(1024),
  })
  .strict();

/** The signed-in staff member of a request, put there by `authenticate`. */
export interface StaffPrincipal {
  user: StaffUser;
  /** The session's id as the cookie carries it; never stored, never logged. */
  sessionId: string;
  csrfToken: string;
}

export function principalOf(res: Response): StaffPrincipal {
  const principal = res.locals.staff as StaffPrincipal | undefined;
  if (!principal) throw new ApiError(401, 'unauthenticated', 'sign in to the staff page first');
  return principal;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
// Bound to the session: a token is worthless without the cookie and dies with it.
const csrfTokenOf = (sessionId: string) =>
  createHmac('sha256', sessionId).update('parcelroom.csrf.v1').digest('base64url');
const sessionIdPattern = /^[A-Za-z0-9_-]{43}$/;

const clientIp = (req: Request) => req.ip ?? req.socket.remoteAddress ?? 'unknown';

/**
 * Staff sign-in: argon2id passwords, sessions kept as SHA-256 of a random id in
 * `staff_sessions`, an HttpOnly SameSite=Strict cookie, a CSRF token derived from the session
 * and required on every state-changing request, and a lockout per username and per address.
 */
export function createStaffAuth(
  store: Store,
  options: Partial<StaffAuthOptions> = {},
  metrics?: StaffMetrics | undefined,
) {
  const settings = { ...defaultStaffAuthOptions, ...options };
  const limiter = new LoginLimiter(settings.loginLimits);
  // Verifying against a real hash when the user is unknown keeps both answers equally slow.
  const dummyHash = argon2.hash(randomBytes(16).toString('hex'), { type: argon2.argon2id });

  // Express writes the Set-Cookie header (through the `cookie` package): Max-Age with Expires.
  const cookieOptions = {
    path: '/',
    httpOnly: true,
    sameSite: 'strict',
    secure: settings.secureCookie,
  } as const;

  const authenticate: RequestHandler = async (req, res, next) => {
    const sessionId = req.headers.cookie ? parseCookies(req.headers.cookie)[sessionCookieName] : undefined;
    if (sessionId && sessionIdPattern.test(sessionId)) {
      const session = await store.staff.findSession(sha256(sessionId));
      if (session) res.locals.staff = { user: session.user, sessionId, csrfToken: csrfTokenOf(sessionId) };
    }
    next();
  };

  const requireRole =
    (role: StaffRole): RequestHandler =>
    (_req, res, next) => {
      const { user } = principalOf(res);
      if (role === 'admin' && user.role !== 'admin')
        throw new ApiError(403, 'forbidden', 'this needs an administrator account');
      next();
    };

  const requireCsrf: RequestHandler = (req, res, next) => {
    if (['GET', 'HEAD', 'OPTIONS'].includes(req.method)) return next();
    const { csrfToken } = principalOf(res);
    const given = req.get(csrfHeaderName) ?? '';
    const a = Buffer.from(given);
    const b = Buffer.from(csrfToken);
    if (a.length !== b.length || !timingSafeEqual(a, b))
      throw new ApiError(
        403,
        'csrf_failed',
        `the ${csrfHeaderName} header is missing or wrong; reload the page`,
      );
    next();
  };

  /** Refuses a state-changing request another site's page sent (the browser names it in Origin). */
  const sameOrigin: RequestHandler = (req, _res, next) => {
    const origin = req.get('origin');
    if (origin && !['GET', 'HEAD', 'OPTIONS'].includes(req.method)) {
      let host: string | undefined;
      try {
        host = new URL(origin).host;
      } catch {
        host = undefined;
      }
      if (host !== req.get('host'))
        throw new ApiError(403, 'cross_origin', 'requests from other sites are refused');
    }
    next();
  };

  const login = async (req: Request, res: Response) => {
    const { username, password } = loginBodySchema.parse(req.body);
    const ip = clientIp(req);
    const gate = await limiter.check(username, ip);
    if (!gate.allowed) {
      metrics?.logins.inc({ outcome: gate.reason === 'user_locked' ? 'locked' : 'limited' });
      await store.events.audit({
        actorKind: 'staff',
        action: 'staff.login_refused',
        targetKind: 'staff_user',
        targetId: username,
        details: { ip, reason: gate.reason },
      });
      res.set('retry-after', String(Math.ceil(gate.retryAfterMs / 1000)));
      throw new ApiError(
        429,
        gate.reason === 'user_locked' ? 'login_locked' : 'too_many_attempts',
        gate.reason === 'user_locked'
          ? `too many wrong passwords for ${username}; try again in ${Math.ceil(gate.retryAfterMs / 60_000)} min or ask an administrator`
          : `too many wrong passwords from this address; try again in ${Math.ceil(gate.retryAfterMs / 60_000)} min`,
      );
    }
    const account = await store.people.findStaffCredentials(username);
    const ok = await argon2.verify(account?.passwordHash ?? (await dummyHash), password).catch(() => false);
    if (!account || !ok || account.disabled) {
      await limiter.failed(username, ip);
      metrics?.logins.inc({ outcome: 'failed' });
      await store.events.audit({
        actorKind: 'staff',
        actorId: account?.id ?? null,
        action: 'staff.login_failed',
        targetKind: 'staff_user',
        targetId: account?.id ?? username,
        details: { ip, reason: !account ? 'unknown_user' : !ok ? 'wrong_password' : 'disabled' },
      });
      // One answer for all three: the page must not tell which user names exist.
      throw new ApiError(401, 'login_failed', 'user name or password is wrong');
    }
    await limiter.succeeded(username);
    metrics?.logins.inc({ outcome: 'ok' });
    // Sign-ins are rare: a good moment to forget sessions that ran out.
    await store.staff.deleteExpiredSessions();
    const sessionId = randomBytes(32).toString('base64url');
    const expiresAt = new Date(Date.now() + settings.sessionTtlMs);
    await store.db.transaction(async (tx) => {
      await store.staff.createSession(
        {
          idSha256: sha256(sessionId),
          staffUserId: account.id,
          expiresAt,
          ip,
          userAgent: req.get('user-agent') ?? null,
        },
        tx,
      );
      await store.events.audit(
        {
          actorKind: 'staff',
          actorId: account.id,
          action: 'staff.login',
          targetKind: 'staff_user',
          targetId: account.id,
          details: { ip },
        },
        tx,
      );
    });
    const { passwordHash: _hash, ...user } = account;
    res.cookie(sessionCookieName, sessionId, { ...cookieOptions, maxAge: settings.sessionTtlMs });
    res.json({ user, csrfToken: csrfTokenOf(sessionId), expiresAt });
  };

  const logout = async (_req: Request, res: Response) => {
    const { user, sessionId } = principalOf(res);
    await store.db.transaction(async (tx) => {
      await store.staff.deleteSession(sha256(sessionId), tx);
      await store.events.audit(
        {
          actorKind: 'staff',
          actorId: user.id,
          action: 'staff.logout',
          targetKind: 'staff_user',
          targetId: user.id,
        },
        tx,
      );
    });
    res.clearCookie(sessionCookieName, cookieOptions);
    res.json({ ok: true });
  };

  const session = (_req: Request, res: Response) => {
    const { user, csrfToken } = principalOf(res);
    res.json({ user, csrfToken });
  };

  return { authenticate, requireRole, requireCsrf, sameOrigin, login, logout, session, limiter, settings };
}

export type StaffAuth = ReturnType<typeof createStaffAuth>;

/** Passwords staff choose: long enough to resist guessing at the lockout's pace. */
export const newPasswordSchema = z
  .string({ error: 'must be a password' })
  .min(12, 'must be at least 12 characters')
  .max(256, 'must be at most 256 characters');

export const hashSecret = (secret: string) => argon2.hash(secret, { type: argon2.argon2id });
