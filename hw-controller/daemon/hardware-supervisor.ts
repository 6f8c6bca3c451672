import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { LocatorDriver } from '../drivers/locator-driver.ts';
import { HwDriverError } from '../hw-errors.ts';
import type {
  changeCauses,
  DoorState,
  HardwareState,
  OutputState,
  Request,
  StrobePattern,
} from '../protocol/messages.ts';

type Cause = (typeof changeCauses)[number];

export interface SupervisorOptions {
  driver: LocatorDriver;
  logger?: Logger | undefined;
  /** The controlling peer silent this long: laser and strobes off. */
  heartbeatTimeoutMs: number;
  /** First wait before an unconfirmed off is tried again; doubled per failure up to recoveryMaxMs. */
  recoveryFirstMs?: number | undefined;
  recoveryMaxMs?: number | undefined;
}

interface Deadline {
  at: number;
  timer: NodeJS.Timeout;
}

interface Strobe {
  pattern: StrobePattern;
  output: 'on' | 'unknown';
  deadline: Deadline | undefined;
}

/**
 * The daemon's outputs and the rules that keep them safe whatever the service does: the laser
 * goes off after its on-time and when the peer that switched it on goes quiet, a strobe stops
 * after its duration, the door relay closes after its open time. Driver calls and state queries
 * run one at a time, in arrival order, so a timer's "off" can never be overtaken by an older
 * command and a query never answers ahead of a command sent before it.
 *
 * A failed driver call leaves the hardware in a state nobody confirmed: every output the call
 * (or the emergency off after it) may have left lit is `unknown` until an off is confirmed, and
 * the supervisor keeps trying that off with backoff. Its timers keep running through a fault.
 */
export class HardwareSupervisor extends EventEmitter<{ change: [HardwareState] }> {
  readonly sessionId = randomBytes(8).toString('hex');
  private seq = 0;
  private cause: Cause = 'startup';
  private laser: { output: OutputState; panDeg: number; tiltDeg: number } = {
    output: 'off',
    panDeg: 0,
    tiltDeg: 0,
  };
  private laserDeadline: Deadline | undefined;
  private readonly strobes = new Map<string, Strobe>();
  private door: { relay: DoorState; deadline: Deadline | undefined } = {
    relay: 'locked',
    deadline: undefined,
  };
  private controller: string | undefined;
  private controllerHeardAt = 0;
  private watchdog: NodeJS.Timeout | undefined;
  private recovery: { failures: number; timer: NodeJS.Timeout | undefined } = {
    failures: 0,
    timer: undefined,
  };
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(private readonly options: SupervisorOptions) {
    super();
  }

  get driverName(): string {
    return this.options.driver.name;
  }

  /** Drives everything to its safe state: whatever the hardware did before, it starts dark and locked. */
  start(): Promise<HardwareState> {
    return this.run(async () => {
      await this.options.driver.allOff();
      await this.options.driver.setDoor(false);
      return this.snapshot();
    });
  }

  snapshot(): HardwareState {
    const now = performance.now();
    const left = (deadline: Deadline | undefined) =>
      deadline ? Math.max(0, Math.round(deadline.at - now)) : null;
    const laserLit = this.laser.output !== 'off';
    return {
      sessionId: this.sessionId,
      seq: this.seq,
      driver: this.options.driver.name,
      laser: {
        on: laserLit,
        output: this.laser.output,
        panDeg: this.laser.panDeg,
        tiltDeg: this.laser.tiltDeg,
        remainingMs: laserLit ? left(this.laserDeadline) : null,
      },
      strobes: [...this.strobes].map(([zoneId, s]) => ({
        zoneId,
        pattern: s.pattern,
        output: s.output,
        remainingMs: left(s.deadline),
      })),
      door: {
        unlocked: this.door.relay !== 'locked',
        relay: this.door.relay,
        remainingMs: this.door.relay !== 'locked' ? left(this.door.deadline) : null,
      },
      cause: this.cause,
    };
  }

  /** A message arrived from `peer`: the controlling peer's messages keep the laser allowed on. */
  heard(peer: string): void {
    if (peer === this.controller) this.controllerHeardAt = performance.now();
  }

  /** The state after every command that arrived before this query (queries wait their turn). */
  query(): Promise<HardwareState> {
    return this.run(async () => this.snapshot());
  }

  /** Applies a request that passed its schema and the limits. Rejects with HwDriverError. */
  apply(request: Request, peer: string): Promise<HardwareState> {
    // A ping is the link's heartbeat: it must not wait behind a slow driver call (docs/hw-protocol.md).
    if (request.type === 'ping') return Promise.resolve(this.snapshot());
    if (request.type === 'get-state') return this.query();
    return this.run(async () => {
      if (this.closed) return this.snapshot();
      const driver = this.options.driver;
      this.takeControl(peer);
      try {
        switch (request.type) {
          case 'aim':
            await driver.aim(request.panDeg, request.tiltDeg);
            this.laser = { ...this.laser, panDeg: request.panDeg, tiltDeg: request.tiltDeg };
            break;
          case 'laser-on':
            await this.laserOn(request.maxOnMs);
            break;
          case 'laser-off':
            await this.laserOff();
            break;
          case 'strobe-on':
            await this.strobeOn(request.zoneId, request.pattern, request.durationMs);
            break;
          case 'strobe-off':
            await this.strobeOff(request.zoneId);
            break;
          case 'point':
            await driver.aim(request.panDeg, request.tiltDeg);
            this.laser = { ...this.laser, panDeg: request.panDeg, tiltDeg: request.tiltDeg };
            await this.laserOn(request.laserMaxOnMs);
            if (request.strobe)
              await this.strobeOn(request.strobe.zoneId, request.strobe.pattern, request.strobe.durationMs);
            break;
          case 'off':
            await this.allOff();
            break;
          case 'door-unlock':
            this.door.relay = this.door.relay === 'unlocked' ? 'unlocked' : 'unknown';
            this.setDoorDeadline(request.durationMs);
            await driver.setDoor(true);
            this.door.relay = 'unlocked';
            break;
          case 'door-lock':
            await this.lockDoor();
            break;
        }
      } catch (error) {
        await this.failSafe(error);
        throw error;
      }
      return this.changed('command');
    });
  }

  // Each switch-on marks its output unknown before the driver call: if the call fails, nobody
  // knows whether the hardware took it, and it is reported and recovered as such.
  private async laserOn(maxOnMs: number): Promise<void> {
    if (this.laser.output === 'off') this.laser.output = 'unknown';
    this.clear(this.laserDeadline);
    this.laserDeadline = this.deadline(maxOnMs, () =>
      this.timed('laser-max-on-time', () => this.laserOff(), 'laser reached its maximum on-time'),
    );
    await this.options.driver.setLaser(true);
    this.laser.output = 'on';
  }

  private async laserOff(): Promise<void> {
    await this.options.driver.setLaser(false);
    this.laser.output = 'off';
    this.clear(this.laserDeadline);
    this.laserDeadline = undefined;
  }

  private async strobeOn(zoneId: string, pattern: StrobePattern, durationMs: number): Promise<void> {
    const previous = this.strobes.get(zoneId);
    this.clear(previous?.deadline);
    const strobe: Strobe = {
      pattern,
      output: previous?.output === 'on' && previous.pattern === pattern ? 'on' : 'unknown',
      deadline: this.deadline(durationMs, () =>
        this.timed('strobe-duration', () => this.strobeOff(zoneId), `strobe ${zoneId} ran its duration`),
      ),
    };
    this.strobes.set(zoneId, strobe);
    await this.options.driver.setStrobe(zoneId, pattern);
    strobe.output = 'on';
  }

  private async strobeOff(zoneId: string): Promise<void> {
    await this.options.driver.setStrobe(zoneId, 'off');
    this.clear(this.strobes.get(zoneId)?.deadline);
    this.strobes.delete(zoneId);
  }

  private async allOff(): Promise<void> {
    await this.options.driver.allOff();
    this.laser.output = 'off';
    this.clear(this.laserDeadline);
    this.laserDeadline = undefined;
    for (const { deadline } of this.strobes.values()) this.clear(deadline);
    this.strobes.clear();
  }

  private async lockDoor(): Promise<void> {
    if (this.door.relay === 'unlocked') this.door.relay = 'unknown';
    await this.options.driver.setDoor(false);
    this.door.relay = 'locked';
    this.clear(this.door.deadline);
    this.door.deadline = undefined;
  }

  private setDoorDeadline(durationMs: number): void {
    this.clear(this.door.deadline);
    this.door.deadline = this.deadline(durationMs, () =>
      this.timed('door-max-open-time', () => this.lockDoor(), 'door relay reached its maximum open time'),
    );
  }

  private takeControl(peer: string): void {
    this.controller = peer;
    this.controllerHeardAt = performance.now();
    if (!this.watchdog) this.armWatchdog(this.options.heartbeatTimeoutMs);
  }

  private armWatchdog(ms: number): void {
    this.watchdog = setTimeout(() => {
      // Messages that arrived while this process was starved of CPU are read in the poll phase,
      // which comes after the timers: look once more after it before calling the peer gone.
      setImmediate(() => this.checkQuiet());
    }, ms);
    this.watchdog.unref();
  }

  private checkQuiet(): void {
    if (this.closed) return;
    const quietMs = performance.now() - this.controllerHeardAt;
    if (quietMs < this.options.heartbeatTimeoutMs) {
      this.armWatchdog(this.options.heartbeatTimeoutMs - quietMs);
      return;
    }
    this.watchdog = undefined;
    this.controller = undefined;
    if (this.laser.output === 'off' && this.strobes.size === 0) return;
    this.options.logger?.warn({ quietMs: Math.round(quietMs) }, 'controlling peer went quiet');
    void this.timed('link-lost', () => this.allOff(), 'controlling peer went quiet');
  }

  /** A timer's own change: driven through the queue, reported as a state change. */
  private timed(cause: Cause, action: () => Promise<void>, why: string): Promise<void> {
    return this.run(async () => {
      if (this.closed) return;
      this.options.logger?.info({ cause }, why);
      try {
        await action();
        this.changed(cause);
      } catch (error) {
        await this.failSafe(error);
      }
    }).catch(() => undefined);
  }

  private get anythingUnknown(): boolean {
    return (
      this.laser.output === 'unknown' ||
      this.door.relay === 'unknown' ||
      [...this.strobes.values()].some((s) => s.output === 'unknown')
    );
  }

  /**
   * After a failed driver call nothing it touched is trusted: laser and strobes are switched off
   * at once; what that off could not confirm stays `unknown` and is tried again with backoff.
   */
  private async failSafe(error: unknown): Promise<void> {
    this.options.logger?.error({ err: (error as Error).message }, 'driver failed; switching everything off');
    try {
      await this.allOff();
    } catch (offError) {
      this.options.logger?.error(
        { err: (offError as Error).message },
        'emergency off failed too; the outputs are unknown until an off is confirmed',
      );
      if (this.laser.output === 'on') this.laser.output = 'unknown';
      for (const strobe of this.strobes.values()) strobe.output = 'unknown';
    }
    this.changed('driver-error');
    this.scheduleRecovery();
  }

  private scheduleRecovery(): void {
    if (this.closed || this.recovery.timer || !this.anythingUnknown) return;
    const first = this.options.recoveryFirstMs ?? 100;
    const waitMs = Math.min(this.options.recoveryMaxMs ?? 5000, first * 2 ** this.recovery.failures);
    this.recovery.timer = setTimeout(() => {
      this.recovery.timer = undefined;
      void this.run(() => this.recover()).catch(() => undefined);
    }, waitMs);
  }

  /** One more try at the off nobody confirmed yet; the door's relay is closed when in doubt. */
  private async recover(): Promise<void> {
    if (this.closed || !this.anythingUnknown) return;
    const driver = this.options.driver;
    const problems: string[] = [];
    const nothingOn =
      this.laser.output !== 'on' && [...this.strobes.values()].every((s) => s.output !== 'on');
    const unknownStrobes = [...this.strobes].filter(([, s]) => s.output === 'unknown');
    try {
      if (nothingOn && (this.laser.output === 'unknown' || unknownStrobes.length > 0)) await this.allOff();
      else {
        if (this.laser.output === 'unknown') await this.laserOff();
        for (const [zoneId] of unknownStrobes) await this.strobeOff(zoneId);
      }
    } catch (error) {
      problems.push((error as Error).message);
    }
    if (this.door.relay === 'unknown') {
      try {
        await driver.setDoor(false);
        this.door.relay = 'locked';
        this.clear(this.door.deadline);
        this.door.deadline = undefined;
      } catch (error) {
        problems.push((error as Error).message);
      }
    }
    if (problems.length === 0 && !this.anythingUnknown) {
      this.options.logger?.info({ failures: this.recovery.failures }, 'driver confirmed the off again');
      this.recovery.failures = 0;
      this.changed('driver-recovered');
      return;
    }
    this.recovery.failures++;
    this.options.logger?.warn(
      { failures: this.recovery.failures, err: problems.join('; ') },
      'off still not confirmed; trying again',
    );
    this.scheduleRecovery();
  }

  private changed(cause: Cause): HardwareState {
    this.seq++;
    this.cause = cause;
    const state = this.snapshot();
    this.emit('change', state);
    return state;
  }

  private deadline(ms: number, onExpiry: () => void): Deadline {
    const timer = setTimeout(onExpiry, ms);
    return { at: performance.now() + ms, timer };
  }

  private clear(deadline: Deadline | undefined): void {
    if (deadline) clearTimeout(deadline.timer);
  }

  private run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.queue.then(task);
    this.queue = result.catch(() => undefined);
    return result;
  }

  /** Everything off and locked, then no more commands. */
  async shutdown(): Promise<void> {
    await this.run(async () => {
      this.closed = true;
      clearTimeout(this.watchdog);
      clearTimeout(this.recovery.timer);
      try {
        await this.allOff();
        await this.lockDoor();
      } catch (error) {
        throw new HwDriverError(`could not switch the hardware off on shutdown: ${(error as Error).message}`);
      }
      this.changed('shutdown');
    });
  }
}
