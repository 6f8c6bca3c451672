import sharp from 'sharp';
import { z } from 'zod';
import { LocatorCalibrationError } from './calibration-errors.ts';
import type { RgbFrame } from './dot-finder.ts';
import type { LocatorRig } from './locator-rig.ts';

export interface HttpRigOptions {
  /** The simulator server (`parcelroom sim serve`, or the demo's cameras), e.g. http://127.0.0.1:8554. */
  simulatorUrl: string;
  /** Snapshot URL per camera when not the simulator's `/cameras/:id/snapshot.jpg`. */
  snapshotUrls?: Record<string, string>;
  /** Per request (default 5000 ms). */
  timeoutMs?: number;
}

/** The simulator's error replies: `{ error: { code, message } }`. */
const errorBody = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

async function failureOf(response: Response): Promise<string> {
  const text = await response.text();
  const parsed = errorBody.safeParse(safeJson(text));
  return `${response.status} ${parsed.success ? parsed.data.error.message : text.slice(0, 200)}`;
}

/**
 * The calibration's rig over HTTP: locator commands go to the simulator's `POST /locator`, frames
 * come from camera snapshot URLs as JPEG. The simulator renders a snapshot after the last
 * command, so no settling time is needed.
 */
export function httpLocatorRig(options: HttpRigOptions): LocatorRig {
  const base = options.simulatorUrl.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? 5000;
  const request = async (url: string, init: RequestInit = {}) => {
    try {
      return await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
      throw new LocatorCalibrationError(`cannot reach ${url}: ${cause}`);
    }
  };
  const command = async (body: unknown) => {
    const response = await request(`${base}/locator`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!response.ok)
      throw new LocatorCalibrationError(
        `the locator at ${base} refused ${JSON.stringify(body)}: ${await failureOf(response)}`,
      );
    await response.arrayBuffer();
  };
  return {
    description: base,
    aim: (panDeg, tiltDeg) => command({ type: 'aim', panDeg, tiltDeg }),
    laser: (on) => command({ type: 'laser', on }),
    async grab(cameraId): Promise<RgbFrame> {
      const url =
        options.snapshotUrls?.[cameraId] ?? `${base}/cameras/${encodeURIComponent(cameraId)}/snapshot.jpg`;
      const response = await request(url);
      if (!response.ok)
        throw new LocatorCalibrationError(`camera ${cameraId}: ${url} answered ${await failureOf(response)}`);
      const jpeg = Buffer.from(await response.arrayBuffer());
      try {
        const { data, info } = await sharp(jpeg).removeAlpha().raw().toBuffer({ resolveWithObject: true });
        if (info.channels !== 3) throw new Error(`${info.channels} channels`);
        return { width: info.width, height: info.height, rgb: data };
      } catch (error) {
        throw new LocatorCalibrationError(
          `camera ${cameraId}: ${url} did not send a readable image (${(error as Error).message})`,
        );
      }
    },
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
