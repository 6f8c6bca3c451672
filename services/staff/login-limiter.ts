import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';

export interface LoginLimits {
  /** Wrong passwords for one username before it is locked. */
  maxFailuresPerUser: number;
  /** How long a username stays locked, counted from its first failure in the window. */
  userLockoutMs: number;
  /** Wrong passwords from one address (any username) before it is refused. */
  maxFailuresPerIp: number;
  ipWindowMs: number;
}

export const defaultLoginLimits: LoginLimits = {
  maxFailuresPerUser: 5,
  userLockoutMs: 15 * 60_000,
  maxFailuresPerIp: 20,
  ipWindowMs: 15 * 60_000,
};

export type LoginGate =
  | { allowed: true }
  | { allowed: false; retryAfterMs: number; reason: 'user_locked' | 'ip_limited' };

/**
 * Counts wrong passwords per username and per address. A locked username stays locked for the
 * window even when the right password comes, so guessing cannot be sped up by luck; a correct
 * login clears only the username's count, never the address's, so one known account cannot
 * be used to reset a spray against the others.
 */
export class LoginLimiter {
  private readonly byUser: RateLimiterMemory;
  private readonly byIp: RateLimiterMemory;

  constructor(readonly limits: LoginLimits = defaultLoginLimits) {
    // The library counts in seconds; fractions are fine for it and let tests use short windows.
    this.byUser = new RateLimiterMemory({
      keyPrefix: 'login-user',
      points: limits.maxFailuresPerUser,
      duration: limits.userLockoutMs / 1000,
    });
    this.byIp = new RateLimiterMemory({
      keyPrefix: 'login-ip',
      points: limits.maxFailuresPerIp,
      duration: limits.ipWindowMs / 1000,
    });
  }

  async check(username: string, ip: string): Promise<LoginGate> {
    const [user, address] = await Promise.all([this.byUser.get(username), this.byIp.get(ip)]);
    if (user && user.consumedPoints >= this.limits.maxFailuresPerUser)
      return { allowed: false, retryAfterMs: Math.max(user.msBeforeNext, 1), reason: 'user_locked' };
    if (address && address.consumedPoints >= this.limits.maxFailuresPerIp)
      return { allowed: false, retryAfterMs: Math.max(address.msBeforeNext, 1), reason: 'ip_limited' };
    return { allowed: true };
  }

  async failed(username: string, ip: string): Promise<void> {
    await Promise.all([swallowLimit(this.byUser.consume(username)), swallowLimit(this.byIp.consume(ip))]);
  }

  async succeeded(username: string): Promise<void> {
    await this.byUser.delete(username);
  }
}

/** Going over the limit rejects with a `RateLimiterRes`; that is the lock, not a failure. */
async function swallowLimit(consumed: Promise<unknown>): Promise<void> {
  try {
    await consumed;
  } catch (error) {
    if (!(error instanceof RateLimiterRes)) throw error;
  }
}
