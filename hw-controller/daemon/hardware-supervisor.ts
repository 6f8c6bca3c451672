import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { LocatorDriver } from '../drivers/locator-driver.ts';
import { HwDriverError } from '../hw-errors.ts';
import type { changeCauses, HardwareState, Request, StrobePattern } from '../protocol/messages.ts';

type Cause = (typeof changeCauses)[number];

export interface SupervisorOptions {
  driver: LocatorDriver;
  logger?: Logger | undefined;
  /** The controlling peer silent this long: laser and strobes off. */
  heartbeatTimeoutMs: number;
}

interface Deadline {
  at: number;
  timer: NodeJS.Timeout;
}

/**
 * The daemon's outputs and the rules that keep them safe whatever the service does: the laser
 * goes off after its on-time and when the peer that switched it on goes quiet, a strobe stops
 * after its duration, the door relay closes after its open time. Driver calls run one at a
 * time, in order, so a timer's "off" can never be overtaken by an older command.
 */
export class HardwareSupervisor extends EventEmitter<{ change: [HardwareState] }> {
  readonly sessionId = randomBytes(8).toString('hex');
  private seq = 0;
  private cause: Cause = 'startup';
  private laser = { on: false, panDeg: 0, tiltDeg: 0 };
  private laserDeadline: Deadline | undefined;
  private readonly strobes = new Map<string, { pattern: StrobePattern; deadline: Deadline }>();
  private door: { unlocked: boolean; deadline: Deadline | undefined } = {
    unlocked: false,
    deadline: undefined,
  };
  private controller: string | undefined;
  private watchdog: NodeJS.Timeout | undefined;
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
    return {
      sessionId: this.sessionId,
      seq: this.seq,
      driver: this.options.driver.name,
      laser: { ...this.laser, remainingMs: this.laser.on ? left(this.laserDeadline) : null },
      strobes: [...this.strobes].map(([zoneId, s]) => ({
        zoneId,
        pattern: s.pattern,
        remainingMs: left(s.deadline),
      })),
      door: {
        unlocked: this.door.unlocked,
        remainingMs: this.door.unlocked ? left(this.door.deadline) : null,
      },
      cause: this.cause,
    };
  }

  /** A message arrived from `peer`: the controlling peer's messages keep the laser allowed on. */
  heard(peer: string): void {
    if (peer === this.controller) this.watchdog?.refresh();
  }

  /** Applies a request that passed its schema and the limits. Rejects with HwDriverError. */
  apply(request: Request, peer: string): Promise<HardwareState> {
    if (request.type === 'ping' || request.type === 'get-state') return Promise.resolve(this.snapshot());
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
            await driver.setDoor(true);
            this.setDoorDeadline(request.durationMs);
            this.door.unlocked = true;
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

  private async laserOn(maxOnMs: number): Promise<void> {
    await this.options.driver.setLaser(true);
    this.laser.on = true;
    this.clear(this.laserDeadline);
    this.laserDeadline = this.deadline(maxOnMs, () =>
      this.timed('laser-max-on-time', () => this.laserOff(), 'laser reached its maximum on-time'),
    );
  }

  private async laserOff(): Promise<void> {
    await this.options.driver.setLaser(false);
    this.laser.on = false;
    this.clear(this.laserDeadline);
    this.laserDeadline = undefined;
  }

  private async strobeOn(zoneId: string, pattern: StrobePattern, durationMs: number): Promise<void> {
    await this.options.driver.setStrobe(zoneId, pattern);
    this.clear(this.strobes.get(zoneId)?.deadline);
    this.strobes.set(zoneId, {
      pattern,
      deadline: this.deadline(durationMs, () =>
        this.timed('strobe-duration', () => this.strobeOff(zoneId), `strobe ${zoneId} ran its duration`),
      ),
    });
  }

  private async strobeOff(zoneId: string): Promise<void> {
    await this.options.driver.setStrobe(zoneId, 'off');
    this.clear(this.strobes.get(zoneId)?.deadline);
    this.strobes.delete(zoneId);
  }

  private async allOff(): Promise<void> {
    await this.options.driver.allOff();
    this.laser.on = false;
    this.clear(this.laserDeadline);
    this.laserDeadline = undefined;
    for (const { deadline } of this.strobes.values()) this.clear(deadline);
    this.strobes.clear();
  }

  private async lockDoor(): Promise<void> {
    await this.options.driver.setDoor(false);
    this.door.unlocked = false;
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
    if (this.watchdog) this.watchdog.refresh();
    else {
      this.watchdog = setTimeout(() => this.onQuiet(), this.options.heartbeatTimeoutMs);
      this.watchdog.unref();
    }
  }

  private onQuiet(): void {
    this.watchdog = undefined;
    this.controller = undefined;
    if (!this.laser.on && this.strobes.size === 0) return;
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

  /** After a failed driver call nothing is trusted: everything is switched off, again if needed. */
  private async failSafe(error: unknown): Promise<void> {
    this.options.logger?.error({ err: (error as Error).message }, 'driver failed; switching everything off');
    try {
      await this.allOff();
    } catch {
      // Reported below; the state says off because off is what the next success will make true.
    }
    this.laser.on = false;
    this.clear(this.laserDeadline);
    this.laserDeadline = undefined;
    for (const { deadline } of this.strobes.values()) this.clear(deadline);
    this.strobes.clear();
    this.changed('driver-error');
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
