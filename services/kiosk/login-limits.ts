import { Counter, type Registry } from 'prom-client';
import type { Database } from '../store/index.ts';
import {
  defaultLoginLimits,
  type LoginLimitSettings,
  type LoginTryState,
  refundTry,
  reserveTry,
  type TryReservation,
} from './login-backoff.ts';

export type LoginKind = 'courier' | 'resident';

interface LimitRow {
  tries: number;
  last_try_at: Date;
  locked_until: Date;
}

/**
 * Kiosk login tries, counted in PostgreSQL (`kiosk_login_limits`) so that every socket, every
 * service process and every restart sees one count per kiosk and kind of login. A try is
 * reserved under the row's lock *before* its PIN is looked up: a hundred sockets sending at once
 * queue on that lock, and only as many as the rules allow get past it (docs/kiosk-credentials.md).
 */
export class LoginLimits {
  private readonly tries: Counter<'kind' | 'outcome'> | undefined;

  constructor(
    private readonly db: Database,
    readonly settings: LoginLimitSettings = defaultLoginLimits,
    registry?: Registry,
  ) {
    if (registry)
      this.tries = new Counter({
        name: 'parcelroom_kiosk_login_tries_total',
        help: 'Kiosk PIN and RFID tries by kind and outcome (checked, refused while a kiosk waits, right)',
        labelNames: ['kind', 'outcome'],
        registers: [registry],
      });
  }

  /** Counts a try at this kiosk, or refuses it while the kiosk waits; call before the lookup. */
  async reserve(kind: LoginKind, deviceId: string): Promise<TryReservation> {
    const reservation = await this.db.transaction(async (tx) => {
      await tx.query(
        'INSERT INTO kiosk_login_limits (device_id, kind) VALUES ($1, $2) ON CONFLICT DO NOTHING',
        [deviceId, kind],
      );
      const { rows } = await tx.query<LimitRow>(
        `SELECT tries, last_try_at, locked_until FROM kiosk_login_limits
         WHERE device_id = $1 AND kind = $2 FOR UPDATE`,
        [deviceId, kind],
      );
      // Read after the lock is held, so a try that queued behind others sees the time it is decided.
      const decided = reserveTry(stateOf(rows[0]!), Date.now(), this.settings);
      if (decided.allowed) await this.write(tx, kind, deviceId, decided.state);
      return decided;
    });
    this.tries?.inc({ kind, outcome: reservation.allowed ? 'checked' : 'refused' });
    return reservation;
  }

  /** A right login gives its counted try back (not the wait it started; see `refundTry`). */
  async right(kind: LoginKind, deviceId: string): Promise<void> {
    this.tries?.inc({ kind, outcome: 'right' });
    await this.db.transaction(async (tx) => {
      const { rows } = await tx.query<LimitRow>(
        `SELECT tries, last_try_at, locked_until FROM kiosk_login_limits
         WHERE device_id = $1 AND kind = $2 FOR UPDATE`,
        [deviceId, kind],
      );
      if (rows[0]) await this.write(tx, kind, deviceId, refundTry(stateOf(rows[0])));
    });
  }

  private async write(
    tx: Pick<Database, 'query'>,
    kind: LoginKind,
    deviceId: string,
    state: LoginTryState,
  ): Promise<void> {
    await tx.query(
      `UPDATE kiosk_login_limits SET tries = $3, last_try_at = $4, locked_until = $5
       WHERE device_id = $1 AND kind = $2`,
      [deviceId, kind, state.tries, new Date(state.lastTryAtMs), new Date(state.lockedUntilMs)],
    );
  }
}

const stateOf = (row: LimitRow): LoginTryState => ({
  tries: row.tries,
  lastTryAtMs: row.last_try_at.getTime(),
  lockedUntilMs: row.locked_until.getTime(),
});
