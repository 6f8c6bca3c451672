import type { StrobePattern } from '../protocol/messages.ts';

/**
 * What the daemon needs from hardware. Each call resolves once the hardware confirmed it and
 * rejects with HwDriverError otherwise; the daemon calls one at a time.
 */
export interface LocatorDriver {
  readonly name: string;
  aim(panDeg: number, tiltDeg: number): Promise<void>;
  setLaser(on: boolean): Promise<void>;
  setStrobe(zoneId: string, pattern: StrobePattern | 'off'): Promise<void>;
  setDoor(unlocked: boolean): Promise<void>;
  /** Laser off and every strobe off, in one step where the hardware allows. */
  allOff(): Promise<void>;
  close(): Promise<void>;
}
