import type { DetectorResult, ImageInput, PackageDetector } from '../../models/index.ts';

export interface DetectionRequest {
  cameraId: string;
  image: ImageInput;
  /** Slots the caller wants judged; merged when a newer frame replaces a waiting one. */
  slots: ReadonlySet<string>;
  timeMs: number;
}

export type DetectionOutcome =
  | { status: 'done'; result: DetectorResult; request: DetectionRequest }
  /** A newer frame of the same camera took this one's place; its slots went with it. */
  | { status: 'superseded' };

interface Waiting {
  request: DetectionRequest;
  resolve: (outcome: DetectionOutcome) => void;
  reject: (error: Error) => void;
}

export interface SchedulerStats {
  completed: number;
  superseded: number;
  /** Per camera. */
  perCamera: Record<string, { completed: number; superseded: number }>;
}

/**
 * Shares one detector among all cameras. At most one request per camera waits: a newer frame
 * replaces the waiting one (newest frame wins, no backlog can build), and cameras are served in
 * turn, so a busy camera cannot starve a quiet one. Detections run one at a time: the detector
 * uses its own threads, and two at once would only fight over them.
 */
export class DetectionScheduler {
  private readonly waiting = new Map<string, Waiting>();
  private readonly order: string[] = [];
  private running = false;
  readonly stats: SchedulerStats = { completed: 0, superseded: 0, perCamera: {} };

  constructor(
    private readonly detector: PackageDetector,
    private readonly onLatency?: (ms: number, cameraId: string) => void,
  ) {}

  get pending(): number {
    return this.waiting.size;
  }

  request(request: DetectionRequest): Promise<DetectionOutcome> {
    return new Promise((resolve, reject) => {
      const earlier = this.waiting.get(request.cameraId);
      let slots = request.slots;
      if (earlier) {
        slots = new Set([...earlier.request.slots, ...request.slots]);
        this.count(request.cameraId, 'superseded');
        earlier.resolve({ status: 'superseded' });
      } else this.order.push(request.cameraId);
      this.waiting.set(request.cameraId, { request: { ...request, slots }, resolve, reject });
      void this.drain();
    });
  }

  private async drain(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      for (let cameraId = this.order.shift(); cameraId !== undefined; cameraId = this.order.shift()) {
        const next = this.waiting.get(cameraId);
        if (!next) continue;
        this.waiting.delete(cameraId);
        const started = performance.now();
        try {
          const result = await this.detector.detect(next.request.image);
          this.onLatency?.(performance.now() - started, cameraId);
          this.count(cameraId, 'completed');
          next.resolve({ status: 'done', result, request: next.request });
        } catch (error) {
          next.reject(error as Error);
        }
      }
    } finally {
      this.running = false;
    }
  }

  private count(cameraId: string, what: 'completed' | 'superseded'): void {
    this.stats[what]++;
    const mine = this.stats.perCamera[cameraId] ?? { completed: 0, superseded: 0 };
    mine[what]++;
    this.stats.perCamera[cameraId] = mine;
  }
}
