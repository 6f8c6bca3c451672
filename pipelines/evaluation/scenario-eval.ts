import type { RoomLayout } from '../../calibration/index.ts';
import type { PackageDetector } from '../../models/index.ts';
import type { SimulatedRoom } from '../../simulator/index.ts';
import { CameraPipeline } from '../camera-pipeline.ts';
import { DetectionScheduler } from '../detection/index.ts';
import { RoomFusion, type RoomObservation } from '../observations/index.ts';

/** A change of the room's true contents: a package came to rest on, or left, its slot(s). */
export interface TruthEvent {
  kind: 'appeared' | 'vanished';
  packageId: string;
  primarySlot: string;
  slots: string[];
  timeMs: number;
}

export interface ScenarioScore {
  scenario: string;
  truth: TruthEvent[];
  observations: RoomObservation[];
  matched: Array<{ truth: TruthEvent; observation: RoomObservation; delayMs: number }>;
  /** Truth events no observation reported. */
  missed: TruthEvent[];
  /** Observations of changes that did not happen (or with the wrong slot). */
  spurious: RoomObservation[];
  frames: number;
  detections: number;
}

/** The truth timeline's changes, sampled at the frame rate. */
export function truthEvents(room: SimulatedRoom, fps: number): TruthEvent[] {
  const events: TruthEvent[] = [];
  const duration = room.durationMs ?? 0;
  let before = room.truthAt(0).packages;
  for (let index = 1; index * (1000 / fps) <= duration; index++) {
    const timeMs = index * (1000 / fps);
    const now = room.truthAt(timeMs).packages;
    for (const [id, was] of Object.entries(before)) {
      const is = now[id];
      if (!is || is.primarySlot !== was.primarySlot)
        events.push({
          kind: 'vanished',
          packageId: id,
          primarySlot: was.primarySlot,
          slots: was.slots,
          timeMs,
        });
    }
    for (const [id, is] of Object.entries(now)) {
      const was = before[id];
      if (!was || was.primarySlot !== is.primarySlot)
        events.push({
          kind: 'appeared',
          packageId: id,
          primarySlot: is.primarySlot,
          slots: is.slots,
          timeMs,
        });
    }
    before = now;
  }
  return events;
}

const compatible = (truth: TruthEvent, observation: RoomObservation) =>
  truth.kind === observation.kind &&
  (truth.slots.includes(observation.slotId) || observation.slots.includes(truth.primarySlot));

/**
 * Runs one simulated scenario through the real camera pipelines (every camera, every frame, on
 * the scenario's clock, faster than real time) and scores the room's observations against the
 * truth: an observation of the right kind naming the package's slot within `windowMs` after the
 * change is a match. The story runs on for `tailMs` after its end, so late settles are seen.
 */
export async function scoreScenario(
  name: string,
  room: SimulatedRoom,
  layout: RoomLayout,
  detector: PackageDetector,
  options: { fps?: number; windowMs?: number; tailMs?: number } = {},
): Promise<ScenarioScore> {
  const fps = options.fps ?? 10;
  const windowMs = options.windowMs ?? 10_000;
  const scheduler = new DetectionScheduler(detector);
  const pipelines = layout.cameras.map((camera) => new CameraPipeline({ camera, scheduler }));
  const fusion = new RoomFusion();
  const observations: RoomObservation[] = [];
  const duration = (room.durationMs ?? 0) + (options.tailMs ?? 3000);
  let frames = 0;
  for (let index = 0; index * (1000 / fps) <= duration; index++) {
    const timeMs = index * (1000 / fps);
    for (const pipeline of pipelines) {
      if (!room.isOnline(pipeline.cameraId, timeMs)) continue;
      const { jpeg } = await room.renderJpeg(pipeline.cameraId, timeMs, index);
      const processed = await pipeline.process({
        cameraId: pipeline.cameraId,
        seq: index + 1,
        jpeg,
        receivedAtMs: timeMs,
      });
      frames++;
      for (const stock of processed.baseline ?? []) fusion.seed(stock);
      for (const observation of processed.observations) {
        const merged = fusion.add(observation);
        if (merged) observations.push(merged);
      }
    }
  }
  const truth = truthEvents(room, fps);
  const used = new Set<RoomObservation>();
  const matched: ScenarioScore['matched'] = [];
  const missed: TruthEvent[] = [];
  for (const event of truth) {
    const hit = observations.find(
      (o) =>
        !used.has(o) &&
        compatible(event, o) &&
        o.timeMs >= event.timeMs - 1000 &&
        o.timeMs <= event.timeMs + windowMs,
    );
    if (hit) {
      used.add(hit);
      matched.push({ truth: event, observation: hit, delayMs: hit.timeMs - event.timeMs });
    } else missed.push(event);
  }
  return {
    scenario: name,
    truth,
    observations,
    matched,
    missed,
    spurious: observations.filter((o) => !used.has(o)),
    frames,
    detections: scheduler.stats.completed,
  };
}
