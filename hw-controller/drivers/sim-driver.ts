import type { Logger } from 'pino';
import { z } from 'zod';
import { HwDriverError } from '../hw-errors.ts';
import type { StrobePattern } from '../protocol/messages.ts';
import type { LocatorDriver } from './locator-driver.ts';

export interface SimDriverOptions {
  /** The simulator's HTTP server, e.g. http://127.0.0.1:8554. */
  simulatorUrl: string;
  logger?: Logger | undefined;
  requestTimeoutMs?: number;
}

const simulatorLocatorSchema = z.object({
  laser: z.object({ on: z.boolean(), panDeg: z.number(), tiltDeg: z.number() }),
  strobesOn: z.array(z.string()),
});
export type SimulatorLocatorState = z.infer<typeof simulatorLocatorSchema>;

/**
 * Drives the simulated room's locator over its HTTP API (`POST /locator`), so the laser dot
 * shows up in the simulated camera frames. The simulator has no door: the relay is kept here and
 * logged. Strobe patterns are all "on" to the simulator, which renders a strobe one way.
 */
export class SimDriver implements LocatorDriver {
  readonly name = 'sim';
  private doorUnlocked = false;
  private readonly url: string;
  private readonly timeoutMs: number;

  constructor(private readonly options: SimDriverOptions) {
    this.url = `${options.simulatorUrl.replace(/\/$/, '')}/locator`;
    // Generous: a simulator on a loaded box answers late, and a late answer is not a hardware fault.
    this.timeoutMs = options.requestTimeoutMs ?? 5000;
  }

  get door(): { unlocked: boolean } {
    return { unlocked: this.doorUnlocked };
  }

  private async post(command: Record<string, unknown>): Promise<void> {
    let response: Response;
    try {
      response = await fetch(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(command),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw new HwDriverError(`simulator at ${this.url} did not answer: ${(error as Error).message}`);
    }
    if (!response.ok) {
      const text = await response.text().catch(() => '');
      throw new HwDriverError(`simulator refused ${String(command.type)}: ${response.status} ${text}`);
    }
    await response.arrayBuffer();
  }

  /** The simulator's locator as it renders it now. */
  async read(): Promise<SimulatorLocatorState> {
    const response = await fetch(this.url, { signal: AbortSignal.timeout(this.timeoutMs) });
    return simulatorLocatorSchema.parse(await response.json());
  }

  aim(panDeg: number, tiltDeg: number): Promise<void> {
    return this.post({ type: 'aim', panDeg, tiltDeg });
  }

  setLaser(on: boolean): Promise<void> {
    return this.post({ type: 'laser', on });
  }

  setStrobe(zoneId: string, pattern: StrobePattern | 'off'): Promise<void> {
    return this.post({ type: 'strobe', zoneId, on: pattern !== 'off' });
  }

  async setDoor(unlocked: boolean): Promise<void> {
    if (this.doorUnlocked !== unlocked) this.options.logger?.info({ unlocked }, 'simulated door relay');
    this.doorUnlocked = unlocked;
  }

  allOff(): Promise<void> {
    return this.post({ type: 'off' });
  }

  async close(): Promise<void> {}
}
