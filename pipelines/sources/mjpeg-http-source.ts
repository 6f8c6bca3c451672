import { type BackoffOptions, type CameraSource, reconnectingSource } from './camera-source.ts';
import { boundaryOf, JpegConcatParser, MjpegParser } from './mjpeg-parser.ts';

export interface MjpegSourceOptions {
  cameraId: string;
  url: string;
  backoff?: BackoffOptions;
  /** A connection that delivers no frame for this long is dropped and retried. */
  stallTimeoutMs?: number;
}

/** An IP camera's MJPEG stream over HTTP (`multipart/x-mixed-replace`, or bare JPEGs back to back). */
export function mjpegHttpSource(options: MjpegSourceOptions): CameraSource {
  const stallMs = options.stallTimeoutMs ?? 5000;
  return reconnectingSource(
    options.cameraId,
    async (signal, emit, corrupt) => {
      const stall = new AbortController();
      let watchdog = setTimeout(() => stall.abort(), stallMs);
      const both = AbortSignal.any([signal, stall.signal]);
      try {
        const response = await fetch(options.url, { signal: both });
        if (!response.ok || !response.body) throw new Error(`HTTP ${response.status} from ${options.url}`);
        const type = response.headers.get('content-type') ?? '';
        const parser = type.startsWith('multipart/')
          ? new MjpegParser(boundaryOf(type))
          : new JpegConcatParser();
        let reported = 0;
        for await (const chunk of response.body) {
          for (const jpeg of parser.push(chunk)) {
            clearTimeout(watchdog);
            watchdog = setTimeout(() => stall.abort(), stallMs);
            emit(jpeg);
          }
          if (parser.corrupt > reported) {
            corrupt(parser.corrupt - reported);
            reported = parser.corrupt;
          }
        }
      } catch (error) {
        if (stall.signal.aborted && !signal.aborted) throw new Error(`no frame for ${stallMs} ms`);
        throw error;
      } finally {
        clearTimeout(watchdog);
      }
    },
    options.backoff ? { backoff: options.backoff } : {},
  );
}
