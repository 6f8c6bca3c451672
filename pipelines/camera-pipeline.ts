import type { CameraView } from '../calibration/index.ts';
import type { NamedDetection } from '../models/index.ts';
import type { DetectionScheduler } from './detection/index.ts';
import { type DecodedFrame, decodeFrame } from './frames/decode-frame.ts';
import { type MotionEvent, MotionGate, type MotionGateOptions } from './motion/index.ts';
import type { CameraFrame } from './sources/index.ts';
import { type CameraObservation, SlotTracker, type SlotTrackerOptions } from './tracking/index.ts';

export interface CameraPipelineOptions {
  /** The camera's entry in the room layout: its resolution and slot polygons. */
  camera: CameraView;
  scheduler: DetectionScheduler;
  motion?: Partial<MotionGateOptions>;
  tracker?: Partial<SlotTrackerOptions>;
  /** Width of the grey picture the motion gate works on. */
  motionWidth?: number;
  /** A slot held because someone stood in front of it is looked at again after this long. */
  heldRetryMs?: number;
  /**
   * Take stock of every slot on the first frame without reporting it (default on): what is on
   * the shelves when the pipeline starts is the starting point, not a change.
   */
  baseline?: boolean;
  /**
   * When nothing has moved for `idleAfterMs`, only every `idleStride`-th frame is looked at
   * (default 5 after 2 s): an idle room costs a fifth, and motion is still caught within a few
   * frames, after which every frame counts again.
   */
  idleStride?: number;
  idleAfterMs?: number;
}

export interface ProcessedFrame {
  /** Absent when the frame was skipped because the room is idle. */
  frame?: DecodedFrame;
  events: MotionEvent[];
  observations: CameraObservation[];
  /** Detections of the frame, when the detector ran on it (boxes in layout pixels). */
  detections?: NamedDetection[];
  /** What the first look found: the starting stock, to be counted but not reported. */
  baseline?: CameraObservation[];
}

/**
 * One camera's pipeline, frame by frame: decode small, gate on motion, and only when a slot has
 * settled after a change (or is due a re-check) ask the shared detector, then update the slot
 * tracker. Frames are judged on their own timestamps, so the same code runs live and, in tests
 * and evaluations, faster than real time.
 */
export class CameraPipeline {
  readonly cameraId: string;
  readonly tracker: SlotTracker;
  private gate: MotionGate | undefined;
  private readonly held = new Map<string, number>();
  private baselined: boolean;
  private lastActivityMs = Number.NEGATIVE_INFINITY;
  private idleCounter = 0;

  constructor(private readonly options: CameraPipelineOptions) {
    this.cameraId = options.camera.id;
    this.baselined = options.baseline === false;
    this.tracker = new SlotTracker(
      options.camera.id,
      Object.entries(options.camera.slots).map(([id, polygon]) => ({
        id,
        polygon: polygon as Array<[number, number]>,
      })),
      options.tracker,
    );
  }

  async process(input: CameraFrame): Promise<ProcessedFrame> {
    const stride = this.options.idleStride ?? 5;
    const idle =
      this.baselined &&
      this.held.size === 0 &&
      input.receivedAtMs - this.lastActivityMs > (this.options.idleAfterMs ?? 2000);
    if (idle && stride > 1 && this.idleCounter++ % stride !== 0) return { events: [], observations: [] };
    const frame = await decodeFrame(input, this.options.motionWidth ?? 160);
    const { camera } = this.options;
    this.gate ??= new MotionGate(
      this.tracker.slots,
      camera.resolution,
      { width: frame.motionWidth, height: frame.motionHeight },
      this.options.motion,
    );
    const events = this.gate.update(frame.grey, frame.timeMs);
    if (this.gate.anyMoving() || events.some((e) => e.kind !== 'recheck')) {
      this.lastActivityMs = frame.timeMs;
      this.idleCounter = 0;
    }
    const examine = new Set<string>();
    const silent = !this.baselined;
    if (silent) for (const slot of this.tracker.slots) examine.add(slot.id);
    this.baselined = true;
    for (const event of events) {
      if (event.kind === 'settled') for (const id of event.changed) examine.add(id);
      if (event.kind === 'recheck') for (const id of event.regions) examine.add(id);
    }
    for (const [id, retryAt] of this.held)
      if (frame.timeMs >= retryAt && !this.gate.isMoving(id)) {
        examine.add(id);
        this.held.delete(id);
      }
    if (examine.size === 0) return { frame, events, observations: [] };

    const outcome = await this.options.scheduler.request({
      cameraId: this.cameraId,
      image: frame.jpeg,
      slots: examine,
      timeMs: frame.timeMs,
    });
    if (outcome.status === 'superseded') return { frame, events, observations: [] };
    // Boxes in the layout's pixels, whatever size the stream is.
    const sx = camera.resolution.width / outcome.result.width;
    const sy = camera.resolution.height / outcome.result.height;
    const detections = outcome.result.detections.map((d) => ({
      ...d,
      x: d.x * sx,
      y: d.y * sy,
      width: d.width * sx,
      height: d.height * sy,
    }));
    const { observations, held } = this.tracker.update(
      detections.filter((d) => d.className === 'package'),
      detections.filter((d) => d.className === 'person'),
      outcome.request.slots,
      frame.timeMs,
    );
    for (const id of held) this.held.set(id, frame.timeMs + (this.options.heldRetryMs ?? 1000));
    this.gate.acceptBackground([...outcome.request.slots].filter((id) => !held.includes(id)));
    return silent
      ? { frame, events, observations: [], detections, baseline: observations }
      : { frame, events, observations, detections };
  }
}
