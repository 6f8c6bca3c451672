import type { RenderedFrame, SceneState } from '../scene.ts';
import type { SimulatedRoom } from '../simulated-room.ts';

export interface SimulatedFrame {
  cameraId: string;
  frameIndex: number;
  /** Story time of the frame (ms from the scenario's start). */
  timeMs: number;
  jpeg: Buffer;
  frame: RenderedFrame;
  scene: SceneState;
}

export interface FrameSourceOptions {
  cameraId: string;
  fps: number;
  startMs?: number;
  /** Stop after this story time; the scenario's end by default. */
  untilMs?: number;
  /** Skip JPEG encoding when only raw pixels and truth are needed. */
  encode?: boolean;
}

/**
 * Frames of one camera on a virtual clock, as fast as the consumer pulls them: tests and
 * evaluations run scenarios faster than real time. Frames while the camera is offline are not
 * produced; the gap shows in `timeMs`, as it would from a real camera.
 */
export async function* simulatedFrames(
  room: SimulatedRoom,
  options: FrameSourceOptions,
): AsyncGenerator<SimulatedFrame> {
  const frameMs = 1000 / options.fps;
  const startMs = options.startMs ?? 0;
  const untilMs = options.untilMs ?? room.durationMs ?? Number.POSITIVE_INFINITY;
  const first = Math.ceil(startMs / frameMs);
  for (let frameIndex = first; frameIndex * frameMs <= untilMs; frameIndex++) {
    const timeMs = frameIndex * frameMs;
    const scene = room.sceneAt(timeMs);
    if (scene.camerasOffline.includes(options.cameraId)) continue;
    const frame = room.renderer.render(options.cameraId, scene, frameIndex);
    const jpeg = options.encode === false ? Buffer.alloc(0) : await room.renderer.encodeJpeg(frame);
    yield { cameraId: options.cameraId, frameIndex, timeMs, jpeg, frame, scene };
  }
}
