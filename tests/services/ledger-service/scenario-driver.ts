import type { RoomLayout } from '../../../calibration/index.ts';
import type { PackageDetector } from '../../../models/index.ts';
import {
  CameraPipeline,
  DetectionScheduler,
  makeEvidence,
  type PipelineObservation,
  RoomFusion,
} from '../../../pipelines/index.ts';
import { LedgerInputError } from '../../../services/ledger/index.ts';
import type { RoomLedgerService } from '../../../services/ledger-service/index.ts';
import { listBundledScenarios, loadScenarioFile, openSimulatedRoom } from '../../../simulator/index.ts';

export interface ScenarioCast {
  /** The ledger's id for a scenario package (p1 → a UUID). */
  packageId(scenarioId: string): string;
  /** Who a scenario package is addressed to. */
  ownerOf(scenarioId: string): string;
  /** The resident a scenario person is (resident-1 → a resident id). */
  residentOf(person: string): string;
  sessionId(): string;
}

/**
 * Plays a bundled scenario through the real camera pipelines, room fusion and evidence pictures,
 * on the scenario's clock and faster than real time (as the pipeline eval does), into a running
 * ledger service; the scenario's session events become the kiosk commands. The shelves' initial
 * packages are delivered first, as if on an earlier visit, so that the ledger knows them.
 */
export async function playScenario(options: {
  name: string;
  layout: RoomLayout;
  detector: PackageDetector;
  service: RoomLedgerService;
  clock: { nowMs: number };
  cast: ScenarioCast;
  fps?: number;
  tailMs?: number;
  /** Stop the story here (ms), once what a test looks at has happened. */
  untilMs?: number;
  /** Only these cameras (those that see the scenario's shelves); all of the layout's when absent. */
  cameraIds?: string[];
}): Promise<{ observations: PipelineObservation[] }> {
  const { layout, service, clock, cast } = options;
  const fps = options.fps ?? 10;
  const file = (await listBundledScenarios()).find((s) => s.name === options.name)!.file;
  const scenario = await loadScenarioFile(file);
  const room = await openSimulatedRoom({ layout, scenario: options.name });

  const initial = scenario.initial?.packages ?? [];
  if (initial.length > 0) {
    const sessionId = cast.sessionId();
    await service.submit({ type: 'delivery_started', sessionId, courierId: null });
    for (const pkg of initial) {
      await service.submit({
        type: 'package_registered',
        sessionId,
        packageId: cast.packageId(pkg.id),
        residentId: cast.ownerOf(pkg.id),
      });
    }
    for (const pkg of initial) {
      clock.nowMs += 10_000;
      const slotId = (pkg as { slot: string }).slot;
      await service.observe({
        kind: 'appeared',
        slotId,
        slots: [slotId],
        cameraId: layout.cameras[0]!.id,
        box: { x: 0, y: 0, width: 1, height: 1 },
        confidence: 1,
        timeMs: 0,
        alsoSeenBy: [],
      });
    }
    await service.submit({ type: 'delivery_ended', sessionId });
    clock.nowMs += 10_000;
  }

  const startMs = clock.nowMs;
  const sessions = new Map<string, string>();
  const pendingSessions = scenario.events.filter((e) => e.do === 'session');
  const scheduler = new DetectionScheduler(options.detector);
  const pipelines = layout.cameras
    .filter((camera) => !options.cameraIds || options.cameraIds.includes(camera.id))
    .map((camera) => new CameraPipeline({ camera, scheduler }));
  const fusion = new RoomFusion();
  const observations: PipelineObservation[] = [];
  const duration = options.untilMs ?? (room.durationMs ?? 0) + (options.tailMs ?? 3000);
  for (let index = 0; index * (1000 / fps) <= duration; index++) {
    const timeMs = index * (1000 / fps);
    clock.nowMs = startMs + timeMs;
    while (pendingSessions[0] && pendingSessions[0].at * 1000 <= timeMs) {
      const event = pendingSessions.shift()!;
      if (event.do !== 'session') continue;
      await runSession(service, cast, sessions, event);
    }
    for (const pipeline of pipelines) {
      if (!room.isOnline(pipeline.cameraId, timeMs)) continue;
      const { jpeg } = await room.renderJpeg(pipeline.cameraId, timeMs, index);
      const processed = await pipeline.process({
        cameraId: pipeline.cameraId,
        seq: index + 1,
        jpeg,
        receivedAtMs: timeMs,
      });
      for (const stock of processed.baseline ?? []) fusion.seed(stock);
      for (const observation of processed.observations) {
        const merged = fusion.add(observation);
        if (!merged) continue;
        const camera = layout.cameras.find((c) => c.id === merged.cameraId)!;
        const evidence = await makeEvidence(jpeg, merged.box, camera.resolution);
        const full: PipelineObservation = { ...merged, evidence };
        observations.push(full);
        await service.observe(full);
      }
    }
  }
  return { observations };
}

async function runSession(
  service: RoomLedgerService,
  cast: ScenarioCast,
  sessions: Map<string, string>,
  event: { kind: 'delivery' | 'pickup'; action: 'start' | 'end'; person: string; packages: string[] },
): Promise<void> {
  const key = `${event.kind}:${event.person}`;
  if (event.action === 'start') {
    const sessionId = cast.sessionId();
    sessions.set(key, sessionId);
    if (event.kind === 'delivery') {
      await service.submit({ type: 'delivery_started', sessionId, courierId: null });
      for (const p of event.packages) {
        await service.submit({
          type: 'package_registered',
          sessionId,
          packageId: cast.packageId(p),
          residentId: cast.ownerOf(p),
        });
      }
    } else {
      await service.submit({
        type: 'pickup_started',
        sessionId,
        residentId: cast.residentOf(event.person),
        packageIds: event.packages.map((p) => cast.packageId(p)),
      });
    }
    return;
  }
  const sessionId = sessions.get(key)!;
  try {
    await service.submit(
      event.kind === 'delivery' ? { type: 'delivery_ended', sessionId } : { type: 'pickup_ended', sessionId },
    );
  } catch (error) {
    // A pickup session ends by itself once everything it was for has left the shelf.
    if (!(error instanceof LedgerInputError && error.code === 'no_open_pickup')) throw error;
  }
}
