import { concatMap, from, Observable, share } from 'rxjs';
import type { RoomLayout } from '../calibration/index.ts';
import type { PackageDetector } from '../models/index.ts';
import type { Logger } from '../services/logging/index.ts';
import { CameraPipeline, type CameraPipelineOptions } from './camera-pipeline.ts';
import { DetectionScheduler } from './detection/index.ts';
import { type Evidence, makeEvidence, RoomFusion, type RoomObservation } from './observations/index.ts';
import type { PipelineMetrics } from './pipeline-metrics.ts';
import type { CameraFrame, CameraSource, SourceHealth } from './sources/index.ts';

export type PipelineObservation =
  | (RoomObservation & { evidence?: Evidence })
  | { kind: 'camera_offline' | 'camera_online'; cameraId: string; timeMs: number; reason?: string };

export interface RoomPipelineOptions {
  layout: RoomLayout;
  /** One source per camera of the layout (by cameraId). */
  sources: CameraSource[];
  detector: PackageDetector;
  metrics?: PipelineMetrics;
  /** A camera silent this long is reported offline. */
  offlineAfterMs?: number;
  /** Attach the frame and crop pictures to each observation (default on). */
  evidence?: boolean;
  camera?: Omit<CameraPipelineOptions, 'camera' | 'scheduler'>;
  onError?: (error: Error, cameraId: string) => void;
  /** Structured logs (pino): cameras going offline and online, observations, frame errors. */
  logger?: Pick<Logger, 'info' | 'warn'>;
}

export interface RoomPipelineHealth {
  /** `skipped`: frames passed over while the room was idle (see CameraPipelineOptions.idleStride). */
  cameras: Array<SourceHealth & { processed: number; skipped: number; dropped: number; corrupt: number }>;
  detections: { completed: number; superseded: number; pending: number };
}

/** What the cameras found on the shelves at their first look, before any change was reported. */
export interface RoomStock {
  /** Objects per slot, for every slot a camera that took stock watches (0 for an empty one). */
  counts: Record<string, number>;
  /** Cameras that took stock; a slot only the others watch is not in `counts`. */
  cameraIds: string[];
}

export interface RoomPipeline {
  /** Hot: subscribing starts every camera; the last unsubscribe stops them. */
  readonly observations$: Observable<PipelineObservation>;
  health(): RoomPipelineHealth;
  /**
   * The room's stock once every camera has taken its first look, or those that did when
   * `timeoutMs` runs out (a camera that is down does not hold up the others). After a restart
   * the ledger checks what it rebuilt from the database against this.
   */
  stock(timeoutMs: number): Promise<RoomStock>;
}

/**
 * The room's cameras into one stream of observations. Each camera is processed one frame at a
 * time, and while it is busy only the newest arriving frame is kept (the rest are dropped and
 * counted): a slow moment never builds a backlog. Cameras share one detector through a fair
 * scheduler, their observations merge into one per real change, and a camera that goes silent
 * is reported offline (and online again when it returns).
 */
export function createRoomPipeline(options: RoomPipelineOptions): RoomPipeline {
  const { layout, metrics } = options;
  const scheduler = new DetectionScheduler(options.detector, (ms, cameraId) =>
    metrics?.detectorLatency.observe({ camera: cameraId }, ms / 1000),
  );
  const fusion = new RoomFusion();
  const offlineAfterMs = options.offlineAfterMs ?? 3000;
  const counters = new Map<
    string,
    { processed: number; skipped: number; dropped: number; corrupt: number }
  >();
  const sources = options.sources.map((source) => {
    const camera = layout.cameras.find((c) => c.id === source.cameraId);
    if (!camera) throw new RangeError(`camera ${source.cameraId} is not in the room layout`);
    counters.set(source.cameraId, { processed: 0, skipped: 0, dropped: 0, corrupt: 0 });
    return { source, pipeline: new CameraPipeline({ ...options.camera, camera, scheduler }) };
  });

  // Which cameras have taken stock, and who waits for all of them to.
  const stocked = new Set<string>();
  const stockWaiters = new Set<() => void>();
  const stockTaken = (cameraId: string) => {
    stocked.add(cameraId);
    if (stocked.size === sources.length) for (const wake of stockWaiters) wake();
  };
  const stockNow = (): RoomStock => {
    const counts: Record<string, number> = {};
    for (const camera of layout.cameras) {
      if (!stocked.has(camera.id)) continue;
      for (const slotId of Object.keys(camera.slots)) counts[slotId] = fusion.roomCount(slotId);
    }
    return { counts, cameraIds: [...stocked].sort() };
  };

  const raw$ = new Observable<{ observation: RoomObservation | PipelineObservation; frame?: CameraFrame }>(
    (subscriber) => {
      const online = new Map<string, boolean>();
      const startedAt = Date.now();
      const subscriptions = sources.map(({ source, pipeline }) => {
        const count = counters.get(source.cameraId)!;
        const label = { camera: source.cameraId };
        let busy = false;
        let waiting: CameraFrame | undefined;
        const run = async (frame: CameraFrame): Promise<void> => {
          busy = true;
          try {
            const processed = await pipeline.process(frame);
            if (processed.frame) {
              count.processed++;
              metrics?.framesProcessed.inc(label);
            } else count.skipped++;
            for (const event of processed.events) metrics?.motionEvents.inc({ ...label, kind: event.kind });
            for (const stock of processed.baseline ?? []) fusion.seed(stock);
            if (processed.baseline) stockTaken(source.cameraId);
            for (const observation of processed.observations) {
              const merged = fusion.add(observation);
              if (merged) subscriber.next({ observation: merged, frame });
            }
          } catch (error) {
            count.corrupt++;
            metrics?.framesCorrupt.inc(label);
            // One line per bad frame would flood the log from a broken camera: every 100th.
            if (count.corrupt % 100 === 1)
              options.logger?.warn(
                { camera: source.cameraId, corrupt: count.corrupt, error: (error as Error).message },
                'frame could not be used',
              );
            options.onError?.(error as Error, source.cameraId);
          } finally {
            busy = false;
            const next = waiting;
            waiting = undefined;
            if (next) void run(next);
          }
        };
        return source.frames$.subscribe((frame) => {
          metrics?.framesIn.inc(label);
          if (!busy) {
            void run(frame);
            return;
          }
          if (waiting) {
            count.dropped++;
            metrics?.framesDropped.inc(label);
          }
          waiting = frame;
        });
      });
      const watch = setInterval(
        () => {
          for (const { source } of sources) {
            const health = source.health();
            const label = { camera: source.cameraId };
            metrics?.cameraFps.set(label, health.fps);
            metrics?.sourceReconnects.set(label, health.reconnects);
            // A camera that has not delivered yet gets the same grace as one that went quiet.
            if (health.lastFrameAgeMs === undefined && Date.now() - startedAt < offlineAfterMs) continue;
            const isOnline = health.lastFrameAgeMs !== undefined && health.lastFrameAgeMs <= offlineAfterMs;
            const was = online.get(source.cameraId);
            metrics?.cameraOnline.set(label, isOnline ? 1 : 0);
            if (was === isOnline || (was === undefined && isOnline)) {
              online.set(source.cameraId, isOnline);
              continue;
            }
            online.set(source.cameraId, isOnline);
            options.logger?.[isOnline ? 'info' : 'warn'](
              { camera: source.cameraId, lastError: health.lastError, reconnects: health.reconnects },
              isOnline ? 'camera online' : 'camera offline',
            );
            subscriber.next({
              observation: {
                kind: isOnline ? 'camera_online' : 'camera_offline',
                cameraId: source.cameraId,
                timeMs: Date.now(),
                ...(isOnline ? {} : { reason: health.lastError ?? `no frame for ${offlineAfterMs} ms` }),
              },
            });
          }
        },
        Math.min(1000, offlineAfterMs / 2),
      );
      return () => {
        clearInterval(watch);
        for (const subscription of subscriptions) subscription.unsubscribe();
      };
    },
  );

  const observations$ = raw$.pipe(
    concatMap(({ observation, frame }) =>
      from(
        (async (): Promise<PipelineObservation> => {
          if (!('slotId' in observation) || !frame) {
            metrics?.observations.inc({ kind: observation.kind });
            return observation;
          }
          let result: PipelineObservation = observation;
          if (options.evidence !== false) {
            const camera = layout.cameras.find((c) => c.id === observation.cameraId)!;
            const evidence = await makeEvidence(frame.jpeg, observation.box, camera.resolution);
            result = { ...observation, evidence };
          }
          metrics?.observations.inc({ kind: observation.kind });
          metrics?.observationLatency.observe((Date.now() - frame.receivedAtMs) / 1000);
          options.logger?.info(
            {
              kind: observation.kind,
              slot: observation.slotId,
              slots: observation.slots,
              camera: observation.cameraId,
              confidence: observation.confidence,
            },
            'observation',
          );
          return result;
        })(),
      ),
    ),
    share(),
  );

  return {
    observations$,
    stock: (timeoutMs) =>
      new Promise<RoomStock>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          stockWaiters.delete(done);
          resolve(stockNow());
        };
        const timer = setTimeout(done, timeoutMs);
        if (stocked.size === sources.length) done();
        else stockWaiters.add(done);
      }),
    health: () => ({
      cameras: sources.map(({ source }) => ({ ...source.health(), ...counters.get(source.cameraId)! })),
      detections: { ...scheduler.stats, pending: scheduler.pending },
    }),
  };
}
