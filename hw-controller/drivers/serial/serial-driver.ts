import type { Logger } from 'pino';
import type { StrobePattern } from '../../protocol/messages.ts';
import type { LocatorDriver } from '../locator-driver.ts';
import { SerialLink } from './serial-link.ts';

export interface SerialDriverOptions {
  path: string;
  baudRate?: number;
  logger?: Logger | undefined;
  replyTimeoutMs?: number;
  attempts?: number;
}

/** Angles go on the wire with two decimals: a hundredth of a degree is far below the mount's play. */
const degrees = (value: number) => value.toFixed(2);

/**
 * Drives a locator microcontroller over a serial line (docs/hw-protocol.md, "Serial line
 * protocol"). Opening checks that a device answers PING, so a wrong port fails at start.
 */
export class SerialDriver implements LocatorDriver {
  readonly name = 'serial';

  private constructor(private readonly link: SerialLink) {}

  static async open(options: SerialDriverOptions): Promise<SerialDriver> {
    const link = await SerialLink.open({
      path: options.path,
      baudRate: options.baudRate ?? 115_200,
      logger: options.logger,
      replyTimeoutMs: options.replyTimeoutMs,
      attempts: options.attempts,
    });
    try {
      await link.command(['PING']);
    } catch (error) {
      await link.close();
      throw error;
    }
    return new SerialDriver(link);
  }

  async aim(panDeg: number, tiltDeg: number): Promise<void> {
    await this.link.command(['AIM', degrees(panDeg), degrees(tiltDeg)]);
  }

  async setLaser(on: boolean): Promise<void> {
    await this.link.command(['LASER', on ? '1' : '0']);
  }

  async setStrobe(zoneId: string, pattern: StrobePattern | 'off'): Promise<void> {
    await this.link.command(['STROBE', zoneId, pattern.toUpperCase()]);
  }

  async setDoor(unlocked: boolean): Promise<void> {
    await this.link.command(['DOOR', unlocked ? '1' : '0']);
  }

  async allOff(): Promise<void> {
    await this.link.command(['OFF']);
  }

  close(): Promise<void> {
    return this.link.close();
  }
}
