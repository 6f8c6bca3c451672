import type { Registry } from 'prom-client';
import type { Logger } from '../logging/index.ts';
import type { Database } from '../store/index.ts';
import { KioskProtocolError } from './kiosk-protocol.ts';
import { describeWait, type LoginLimitSettings, type TryReservation } from './login-backoff.ts';
import { type LoginKind, LoginLimits } from './login-limits.ts';
import { pickupPinDigits } from './pickup-credentials.ts';
import { pinGuessingBound } from './pin-guessing-bound.ts';

export type AllowedTry = Extract<TryReservation, { allowed: true }>;

/**
 * The credential limits as a kiosk meets them (docs/kiosk-credentials.md): a PIN or RFID try is
 * counted per kiosk before it is looked up, and a refusal or a wrong try becomes the kiosk's error
 * with how long to wait.
 */
export class KioskLoginGuard {
  private readonly limits: LoginLimits;

  constructor(
    db: Database,
    settings: LoginLimitSettings,
    private readonly logger: Logger,
    registry?: Registry,
  ) {
    this.limits = new LoginLimits(db, settings, registry);
  }

  /** Counts a try at this kiosk before it is looked up, or refuses it while the kiosk waits. */
  async reserve(kind: LoginKind, deviceId: string): Promise<AllowedTry> {
    const reservation = await this.limits.reserve(kind, deviceId);
    if (reservation.allowed) return reservation;
    throw new KioskProtocolError(
      'locked_out',
      `too many wrong tries at this kiosk; wait ${describeWait(reservation.retryAfterMs)} and try again${
        kind === 'resident' ? ' (the QR code from your message works now)' : ''
      }`,
      { retryAfterMs: reservation.retryAfterMs },
    );
  }

  /** A try that found someone: the kiosk's count starts over. */
  right(kind: LoginKind, deviceId: string): Promise<void> {
    return this.limits.right(kind, deviceId);
  }

  /** A try that found nobody: refused with the tries left and the wait before the next one. */
  wrong(kind: LoginKind, deviceId: string, what: string, reservation: AllowedTry): never {
    const waitMs = reservation.waitAfterMs;
    this.logger.warn({ deviceId, kind, tries: reservation.state.tries, waitMs }, 'wrong kiosk credentials');
    throw new KioskProtocolError(
      'wrong_credentials',
      waitMs > 0
        ? `${what} not recognised; wait ${describeWait(waitMs)} before the next try`
        : `${what} not recognised`,
      { attemptsLeft: reservation.freeTriesLeft, ...(waitMs > 0 ? { retryAfterMs: waitMs } : {}) },
    );
  }

  /** Says in the log when the configured kiosks make pickup PINs guessable within a year. */
  warnIfGuessable(configuredKiosks: number): void {
    const bound = pinGuessingBound({
      settings: this.limits.settings,
      pinDigits: pickupPinDigits,
      configuredKiosks,
    });
    if (bound.expectedYears < 1)
      this.logger.warn(
        { kiosks: bound.kiosks, expectedYears: Number(bound.expectedYears.toFixed(2)) },
        'with this many kiosks and these login limits a pickup PIN could be guessed within a year; see docs/kiosk-credentials.md',
      );
  }
}
