import sharp from 'sharp';
import type { CameraFrame } from '../sources/index.ts';

/** A frame ready for the cheap stages: a small grey image for motion, the JPEG kept as it came. */
export interface DecodedFrame {
  cameraId: string;
  seq: number;
  /** The frame's time (ms): arrival time for live cameras, story time for the simulator. */
  timeMs: number;
  /** The camera's full size. */
  width: number;
  height: number;
  /** Greyscale, motionWidth × motionHeight, row-major. */
  grey: Uint8Array;
  motionWidth: number;
  motionHeight: number;
  /** The original JPEG: the detector and the evidence snapshots start from it, never re-encoded. */
  jpeg: Buffer;
}

export class FrameDecodeError extends Error {
  override readonly name = 'FrameDecodeError';
}

/**
 * Decodes straight to the motion size: libjpeg's DCT scaling (shrink-on-load) means a 1280×720
 * frame is decoded at 160×90 for a fraction of the full decode's cost.
 */
export async function decodeFrame(frame: CameraFrame, motionWidth = 160): Promise<DecodedFrame> {
  try {
    const image = sharp(frame.jpeg, { failOn: 'truncated' });
    const meta = await image.metadata();
    if (meta.format !== 'jpeg' || !meta.width || !meta.height) throw new Error('not a JPEG');
    const motionHeight = Math.max(1, Math.round((meta.height * motionWidth) / meta.width));
    const grey = await image
      .resize(motionWidth, motionHeight, { fit: 'fill', kernel: 'linear' })
      .greyscale()
      .raw()
      .toBuffer();
    return {
      cameraId: frame.cameraId,
      seq: frame.seq,
      timeMs: frame.receivedAtMs,
      width: meta.width,
      height: meta.height,
      grey: new Uint8Array(grey.buffer, grey.byteOffset, grey.length),
      motionWidth,
      motionHeight,
      jpeg: frame.jpeg,
    };
  } catch (error) {
    throw new FrameDecodeError(`${frame.cameraId} frame ${frame.seq}: ${(error as Error).message}`);
  }
}
