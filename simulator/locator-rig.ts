import type { LocatorRig, RgbFrame } from '../calibration/index.ts';
import type { SimulatedRoom } from './simulated-room.ts';

export interface SimulatedLocatorRigOptions {
  /** Story time the frames are taken at (default 0: the empty room before any scenario event). */
  timeMs?: number;
  /** Story time that passes with each grab (default 0), so people walk while the laser sweeps. */
  msPerGrab?: number;
}

/**
 * The calibration's rig over an in-process simulated room: commands go straight to the room and
 * every grab renders a new frame (its own sensor noise), as a camera would deliver one.
 */
export function simulatedLocatorRig(
  room: SimulatedRoom,
  options: SimulatedLocatorRigOptions = {},
): LocatorRig {
  let timeMs = options.timeMs ?? 0;
  const msPerGrab = options.msPerGrab ?? 0;
  let frameIndex = 0;
  return {
    description: 'the in-process simulator',
    async aim(panDeg, tiltDeg) {
      room.command({ type: 'aim', panDeg, tiltDeg }, timeMs);
    },
    async laser(on) {
      room.command({ type: 'laser', on }, timeMs);
    },
    async grab(cameraId): Promise<RgbFrame> {
      const frame = room.render(cameraId, timeMs, frameIndex++);
      timeMs += msPerGrab;
      return { width: frame.width, height: frame.height, rgb: frame.rgb };
    },
  };
}
