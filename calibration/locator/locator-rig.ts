import type { RgbFrame } from './dot-finder.ts';

/**
 * What the calibration drives: a locator that aims and switches its laser, and cameras that
 * give a frame on request. Each call resolves once it has taken effect (the head has settled,
 * the frame was taken after the last command), so the procedure never sleeps on its own.
 */
export interface LocatorRig {
  /** A name for messages: `in-process simulator`, `http://127.0.0.1:8554`. */
  readonly description: string;
  aim(panDeg: number, tiltDeg: number): Promise<void>;
  laser(on: boolean): Promise<void>;
  /** One frame of the camera, taken after every command before it; any size, RGB. */
  grab(cameraId: string): Promise<RgbFrame>;
  close?(): Promise<void>;
}
