import type { RgbFrame } from './dot-finder.ts';
import type { LocatorRig } from './locator-rig.ts';

/**
 * What the calibration needs of a locator link: the hw-controller's `LocatorClient` has this
 * shape (and is not imported here: hw-controller depends on calibration, not the other way).
 */
export interface LocatorPointer {
  pointAt(target: { panDeg: number; tiltDeg: number; laserMaxOnMs?: number }): Promise<unknown>;
  off(): Promise<unknown>;
}

export interface PointerRigOptions {
  pointer: LocatorPointer;
  /** Frames still come from the cameras: e.g. the HTTP rig's `grab`. */
  grab(cameraId: string): Promise<RgbFrame>;
  description: string;
  /** Laser on-time asked for each shot; the daemon switches the laser off after it (default 10 s). */
  laserMaxOnMs?: number;
}

/**
 * The calibration's rig through the hardware link: aiming and the laser go through the locator
 * daemon as in service, so the sweep exercises the same path a pickup does. The link aims and
 * lights in one command, so an aim with the laser off is remembered until the laser goes on.
 */
export function pointerLocatorRig(options: PointerRigOptions): LocatorRig {
  let aim = { panDeg: 0, tiltDeg: 0 };
  let on = false;
  const laserMaxOnMs = options.laserMaxOnMs ?? 10_000;
  const point = () => options.pointer.pointAt({ ...aim, laserMaxOnMs });
  return {
    description: options.description,
    async aim(panDeg, tiltDeg) {
      aim = { panDeg, tiltDeg };
      if (on) await point();
    },
    async laser(next) {
      on = next;
      await (next ? point() : options.pointer.off());
    },
    grab: (cameraId) => options.grab(cameraId),
  };
}
