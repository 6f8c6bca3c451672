import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';

export interface LoginLimitSettings {
  /** Wrong tries allowed per device within `windowMs` before it is locked. */
  perDeviceTries: number;
  windowMs: number;
  lockoutMs: number;
  /** Wrong tries allowed across the room's kiosks within `roomWindowMs` (residents only). */
  perRoomTries: number;
  roomWindowMs: number;
  roomLockoutMs: number;
}

export const defaultLoginLimits: LoginLimitSettings = {
  perDeviceTries: 5,
  windowMs: 15 * 60_000,
  lockoutMs: 5 * 60_000,
  perRoomTries: 20,
  roomWindowMs: 60 * 60_000,
  roomLockoutMs: 15 * 60_000,
};

export type LoginKind = 'courier' | 'resident';

export type LimitCheck = { locked: false } | { locked: true; retryAfterMs: number };

/**
 * Wrong PINs are counted per device (and, for residents, per room) and lead to a lockout. Kept
 * in memory: a restart forgets the counts, which gives an attacker one more round per restart
 * and nothing more (docs/kiosk-protocol.md).
 */
export class LoginLimits {
  private readonly device: Record<LoginKind, RateLimiterMemory>;
  private readonly room: RateLimiterMemory;

  constructor(readonly settings: LoginLimitSettings = defaultLoginLimits) {
    const limiter = (points: number, windowMs: number) =>
      new RateLimiterMemory({ points, duration: Math.ceil(windowMs / 1000) });
    this.device = {
      courier: limiter(settings.perDeviceTries, settings.windowMs),
      resident: limiter(settings.perDeviceTries, settings.windowMs),
    };
    this.room = limiter(settings.perRoomTries, settings.roomWindowMs);
  }

  /** Whether logins of this kind are locked for the device right now (checked before the PIN). */
  async check(kind: LoginKind, deviceId: string): Promise<LimitCheck> {
    const checks = [this.device[kind].get(deviceId)];
    if (kind === 'resident') checks.push(this.room.get('room'));
    let retryAfterMs = 0;
    // A lockout is a block, which the limiter records as one point more than allowed.
    for (const [i, res] of (await Promise.all(checks)).entries()) {
      const allowed = i === 0 ? this.settings.perDeviceTries : this.settings.perRoomTries;
      if (res && res.consumedPoints > allowed) retryAfterMs = Math.max(retryAfterMs, res.msBeforeNext);
    }
    return retryAfterMs > 0 ? { locked: true, retryAfterMs } : { locked: false };
  }

  /** Counts a wrong try; says how many are left, or that the device is now locked. */
  async wrong(
    kind: LoginKind,
    deviceId: string,
  ): Promise<{ locked: false; attemptsLeft: number } | { locked: true; retryAfterMs: number }> {
    const counted = [
      { limiter: this.device[kind], key: deviceId, lockoutMs: this.settings.lockoutMs },
      ...(kind === 'resident'
        ? [{ limiter: this.room, key: 'room', lockoutMs: this.settings.roomLockoutMs }]
        : []),
    ];
    const results = await Promise.all(counted.map((c) => consume(c.limiter, c.key)));
    let retryAfterMs = 0;
    for (const [i, res] of results.entries()) {
      if (res.remainingPoints > 0) continue;
      const { limiter, key, lockoutMs } = counted[i]!;
      const blocked = await limiter.block(key, Math.ceil(lockoutMs / 1000));
      retryAfterMs = Math.max(retryAfterMs, blocked.msBeforeNext);
    }
    if (retryAfterMs > 0) return { locked: true, retryAfterMs };
    return { locked: false, attemptsLeft: Math.min(...results.map((r) => r.remainingPoints)) };
  }

  /** A right login clears the device's count (not the room's). */
  async right(kind: LoginKind, deviceId: string): Promise<void> {
    await this.device[kind].delete(deviceId);
  }
}

async function consume(limiter: RateLimiterMemory, key: string): Promise<RateLimiterRes> {
  try {
    return await limiter.consume(key);
  } catch (rejected) {
    if (rejected instanceof RateLimiterRes) return rejected;
    throw rejected;
  }
}
