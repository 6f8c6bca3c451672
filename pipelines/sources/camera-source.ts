import { Observable, share } from 'rxjs';
import { backoffMs } from '../../services/backoff/index.ts';

/** One encoded frame as a camera delivered it. */
export interface CameraFrame {
  cameraId: string;
  /** 1, 2, 3… per source, across reconnections. */
  seq: number;
  jpeg: Buffer;
  /** When the frame arrived (ms since the epoch). */
  receivedAtMs: number;
}

export type SourceState = 'connecting' | 'connected' | 'offline';

export interface SourceHealth {
  cameraId: string;
  state: SourceState;
  /** Frames per second over the last few seconds. */
  fps: number;
  /** Age of the newest frame, or undefined before the first. */
  lastFrameAgeMs: number | undefined;
  frames: number;
  reconnects: number;
  corruptFrames: number;
  lastError: string | undefined;
}

export interface CameraSource {
  readonly cameraId: string;
  /** Hot, shared: subscribing starts the connection; the last unsubscribe closes it. */
  readonly frames$: Observable<CameraFrame>;
  health(): SourceHealth;
}

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
}

export const defaultBackoff: BackoffOptions = { initialMs: 250, maxMs: 15_000 };

/**
 * What one connection attempt does: stream frames to `emit` until the stream ends (resolve) or
 * fails (reject), stopping when `signal` aborts. Bad frames are reported through `corrupt`.
 */
export type Connect = (
  signal: AbortSignal,
  emit: (jpeg: Buffer) => void,
  corrupt: (count?: number) => void,
) => Promise<void>;

/** The wait before retry `attempt` (0-based): doubling from `initialMs` up to `maxMs`, ±20 % jitter. */
export function backoffDelay(attempt: number, backoff: BackoffOptions, random: number): number {
  return backoffMs(
    { firstMs: backoff.initialMs, maxMs: backoff.maxMs, jitter: { kind: 'spread', fraction: 0.2 } },
    attempt,
    () => random,
  );
}

/**
 * Turns a connection function into a camera source that reconnects with exponential backoff
 * (with jitter, reset by every frame that arrives), keeps its health, and never errors: a camera
 * that fails is a state, not an exception.
 */
export function reconnectingSource(
  cameraId: string,
  connect: Connect,
  options: {
    backoff?: BackoffOptions;
    now?: () => number;
    random?: () => number;
    /** Waits between attempts; resolves early when `signal` aborts. Replaceable in tests. */
    sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  } = {},
): CameraSource {
  const backoff = options.backoff ?? defaultBackoff;
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const sleep =
    options.sleep ??
    ((ms: number, signal: AbortSignal) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        signal.addEventListener(
          'abort',
          () => {
            clearTimeout(timer);
            resolve();
          },
          { once: true },
        );
      }));
  const recent: number[] = [];
  const health: SourceHealth = {
    cameraId,
    state: 'offline',
    fps: 0,
    lastFrameAgeMs: undefined,
    frames: 0,
    reconnects: 0,
    corruptFrames: 0,
    lastError: undefined,
  };
  let lastFrameAt: number | undefined;
  let seq = 0;

  const frames$ = new Observable<CameraFrame>((subscriber) => {
    const stop = new AbortController();
    let attempt = 0;
    const run = async () => {
      while (!stop.signal.aborted) {
        health.state = 'connecting';
        const attemptAbort = new AbortController();
        const onStop = () => attemptAbort.abort();
        stop.signal.addEventListener('abort', onStop, { once: true });
        try {
          await connect(
            attemptAbort.signal,
            (jpeg) => {
              const at = now();
              health.state = 'connected';
              attempt = 0;
              lastFrameAt = at;
              health.frames++;
              recent.push(at);
              while (recent.length && recent[0]! < at - 3000) recent.shift();
              subscriber.next({ cameraId, seq: ++seq, jpeg, receivedAtMs: at });
            },
            (count = 1) => {
              health.corruptFrames += count;
            },
          );
          health.lastError = 'the stream ended';
        } catch (error) {
          if (stop.signal.aborted) break;
          health.lastError = (error as Error).message;
        } finally {
          stop.signal.removeEventListener('abort', onStop);
          attemptAbort.abort();
        }
        if (stop.signal.aborted) break;
        health.state = 'offline';
        health.reconnects++;
        const delay = backoffDelay(attempt, backoff, random());
        attempt++;
        await sleep(delay, stop.signal);
      }
      health.state = 'offline';
    };
    void run();
    return () => stop.abort();
  }).pipe(share());

  return {
    cameraId,
    frames$,
    health() {
      const at = now();
      while (recent.length && recent[0]! < at - 3000) recent.shift();
      return {
        ...health,
        fps: recent.length > 1 ? ((recent.length - 1) * 1000) / Math.max(1, recent.at(-1)! - recent[0]!) : 0,
        lastFrameAgeMs: lastFrameAt === undefined ? undefined : at - lastFrameAt,
      };
    },
  };
}
