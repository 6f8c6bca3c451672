import type { SimulatedRoom } from '../../simulator/index.ts';
import { type CameraSource, reconnectingSource } from './camera-source.ts';

/**
 * A simulated camera in the same process, in real time: frames rendered at `fps` on the wall
 * clock (the story clock starts with the subscription). A camera the scenario takes offline
 * delivers nothing meanwhile, as a real one would.
 */
export function simulatorSource(room: SimulatedRoom, cameraId: string, fps = 10): CameraSource {
  const started = Date.now();
  return reconnectingSource(
    cameraId,
    (signal, emit) =>
      new Promise<void>((resolve) => {
        let index = 0;
        let rendering = false;
        const timer = setInterval(() => {
          const timeMs = Date.now() - started;
          index = Math.floor(timeMs / (1000 / fps));
          if (rendering || !room.isOnline(cameraId, timeMs)) return;
          rendering = true;
          room
            .renderJpeg(cameraId, timeMs, index)
            .then(({ jpeg }) => {
              if (!signal.aborted) emit(Buffer.from(jpeg));
            })
            .finally(() => {
              rendering = false;
            });
        }, 1000 / fps);
        signal.addEventListener(
          'abort',
          () => {
            clearInterval(timer);
            resolve();
          },
          { once: true },
        );
      }),
  );
}
