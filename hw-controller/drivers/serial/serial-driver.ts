import type { Logger } from 'pino';
import type { StrobePattern } from '../../protocol/messages.ts';
import type { LocatorDriver } from '../locator-driver.ts';
import { SerialLink } from './serial-link.ts';

export interface SerialDriverOptions {
  path: string;
  baudRate?: number;
  logger?: Logger | undefined;
  /** The least one command waits for its reply (the wait grows with the measured round trips). */
  replyTimeoutMs?: number | undefined;
  attempts?: number | undefined;
  /** Idle this long, the line gets a PING to feed the device's watchdog (docs/hw-protocol.md). */
  keepaliveMs?: number | undefined;
  reopenMs?: number | undefined;
}

/** Angles go on the wire with two decimals: a hundredth of a degree is far below the mount's play. */
const degrees = (value: number) => value.toFixed(2);

/**
 * Drives a locator microcontroller over a serial line (docs/hw-protocol.md, "Serial line
 * protocol"). Opening checks that a device answers PING, so a wrong port fails at start.
 *
 * It remembers what it last told the device, and tells it all again when the device may have
 * lost it: the port disappeared and came back, or the device's watchdog switched it off (a
 * starved daemon that missed its keepalives). The daemon's own timers still decide how long.
 */
export class SerialDriver implements LocatorDriver {
  readonly name = 'serial';
  private readonly told = {
    aim: undefined as [string, string] | undefined,
    laser: false,
    strobes: new Map<string, string>(),
    door: false,
  };

  private constructor(
    private readonly link: SerialLink,
    private readonly logger: Logger | undefined,
  ) {
    link.on('restored', () => this.resend('port back'));
    link.on('reset', () => this.resend('device watchdog reset'));
  }

  /** Every command that makes the device match what it was last told, queued at once, OFF first. */
  private resend(reason: string): void {
    const { aim, laser, strobes, door } = this.told;
    const commands: string[][] = [['OFF']];
    if (aim) commands.push(['AIM', ...aim]);
    if (laser) commands.push(['LASER', '1']);
    for (const [zoneId, pattern] of strobes) commands.push(['STROBE', zoneId, pattern]);
    commands.push(['DOOR', door ? '1' : '0']);
    this.logger?.info({ reason, commands: commands.map((c) => c.join(' ')) }, 'sending the outputs again');
    for (const words of commands)
      this.link
        .command(words)
        .catch((error: Error) =>
          this.logger?.warn({ err: error.message }, 'an output could not be sent again'),
        );
  }

  static async open(options: SerialDriverOptions): Promise<SerialDriver> {
    const link = await SerialLink.open({
      path: options.path,
      baudRate: options.baudRate ?? 115_200,
      logger: options.logger,
      replyTimeoutMs: options.replyTimeoutMs,
      attempts: options.attempts,
      keepaliveMs: options.keepaliveMs,
      reopenMs: options.reopenMs,
    });
    try {
      await link.command(['PING']);
    } catch (error) {
      await link.close();
      throw error;
    }
    return new SerialDriver(link, options.logger);
  }

  // What the device is told is remembered before the call: a command that failed may still have
  // reached it, and a command resent later must not undo a newer one.
  async aim(panDeg: number, tiltDeg: number): Promise<void> {
    this.told.aim = [degrees(panDeg), degrees(tiltDeg)];
    await this.link.command(['AIM', ...this.told.aim]);
  }

  async setLaser(on: boolean): Promise<void> {
    this.told.laser = on;
    await this.link.command(['LASER', on ? '1' : '0']);
  }

  async setStrobe(zoneId: string, pattern: StrobePattern | 'off'): Promise<void> {
    if (pattern === 'off') this.told.strobes.delete(zoneId);
    else this.told.strobes.set(zoneId, pattern.toUpperCase());
    await this.link.command(['STROBE', zoneId, pattern.toUpperCase()]);
  }

  async setDoor(unlocked: boolean): Promise<void> {
    this.told.door = unlocked;
    await this.link.command(['DOOR', unlocked ? '1' : '0']);
  }

  async allOff(): Promise<void> {
    this.told.laser = false;
    this.told.strobes.clear();
    await this.link.command(['OFF']);
  }

  close(): Promise<void> {
    return this.link.close();
  }
}
