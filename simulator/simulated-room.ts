import { aimAngles, listSlots, type RoomLayout, type Slot } from '../calibration/index.ts';
import {
  defaultLiveTiming,
  type LiveActionReceipt,
  LiveScene,
  type LiveTiming,
  type PlaceOptions,
} from './live-scene.ts';
import type { RoomRenderer } from './render/index.ts';
import { type SlotTruth, type Timeline, truthOf } from './scenarios/timeline.ts';
import { emptyScene, type RenderedFrame, type SceneLocator, type SceneState } from './scene.ts';

/** A command for the simulated locator, as the hw-controller's sim driver sends it. */
export type LocatorCommand =
  | { type: 'aim'; panDeg: number; tiltDeg: number }
  | { type: 'aim-slot'; slotId: string }
  | { type: 'laser'; on: boolean }
  | { type: 'strobe'; zoneId: string; on: boolean }
  | { type: 'off' };

export class SimulatorCommandError extends Error {
  override readonly name = 'SimulatorCommandError';
}

export interface SimulatedRoomOptions {
  layout: RoomLayout;
  renderer: RoomRenderer;
  /** The scripted story; an empty room when absent. */
  timeline?: Timeline;
  /** Start the story over when it ends (the demo), or hold its last moment. */
  loop?: boolean;
  /** Seeds the look of live packages and people. */
  seed?: number;
  /** How long live place and take commands take. */
  liveTiming?: LiveTiming;
}

/**
 * The simulated room: a scenario timeline plus live locator commands, rendered on demand for any
 * camera at any time. Time is passed in, so the same room serves real-time streams and
 * faster-than-real-time tests.
 */
export class SimulatedRoom {
  readonly layout: RoomLayout;
  readonly renderer: RoomRenderer;
  private readonly timeline: Timeline | undefined;
  private readonly loop: boolean;
  private readonly slots: Slot[];
  private locator: SceneLocator | undefined;
  /** People acting in the room live: `room.live.place(…)`, `room.live.take(…)` (room clock). */
  readonly live: LiveScene;
  /** Bumped by every live command, so cached frames of the same instant are not reused. */
  revision = 0;

  constructor(options: SimulatedRoomOptions) {
    this.layout = options.layout;
    this.renderer = options.renderer;
    this.timeline = options.timeline;
    this.loop = options.loop ?? false;
    this.slots = listSlots(options.layout);
    this.live = new LiveScene(options.layout, options.seed ?? 1, options.liveTiming ?? defaultLiveTiming);
  }

  get cameraIds(): string[] {
    return this.layout.cameras.map((c) => c.id);
  }

  get durationMs(): number | undefined {
    return this.timeline?.durationMs;
  }

  /** Story time for a clock reading: wraps around when looping, holds at the end otherwise. */
  storyTime(timeMs: number): number {
    const duration = this.timeline?.durationMs;
    if (!duration) return timeMs;
    return this.loop ? timeMs % duration : Math.min(timeMs, duration);
  }

  sceneAt(timeMs: number): SceneState {
    const storyMs = this.storyTime(timeMs);
    const scripted = this.timeline ? this.timeline.sceneAt(storyMs) : emptyScene(storyMs);
    // Live people and packages run on the room clock, not the (looping) story clock.
    const scene = this.live.apply(scripted, timeMs);
    // Live commands win over the script: the hw-controller drives the locator in the demo.
    return this.locator ? { ...scene, locator: this.locator } : scene;
  }

  truthAt(timeMs: number): SlotTruth {
    const live = this.live.livePackageIds(timeMs);
    if (!this.timeline) return truthOf(this.sceneAt(timeMs), this.slots, (id) => live.get(id) ?? true);
    const scripted = this.timeline.truthAt(this.storyTime(timeMs));
    if (live.size === 0) return scripted;
    const liveOnly = this.live.apply(emptyScene(timeMs), timeMs);
    const extra = truthOf(liveOnly, this.slots, (id) => live.get(id) ?? true);
    for (const [slotId, ids] of Object.entries(extra.slots)) scripted.slots[slotId]!.push(...ids);
    return { slots: scripted.slots, packages: { ...scripted.packages, ...extra.packages } };
  }

  /** A courier places a new package on `slotId` now; see LiveScene.place. */
  place(slotId: string, timeMs: number, options: PlaceOptions = {}): LiveActionReceipt {
    const scriptedBusy = new Set(
      Object.entries(this.truthAt(timeMs).slots)
        .filter(([, ids]) => ids.length > 0)
        .map(([id]) => id),
    );
    const receipt = this.live.place(slotId, timeMs, options, scriptedBusy);
    this.revision++;
    return receipt;
  }

  /** A resident takes the live package on `slotId` now. */
  take(slotId: string, timeMs: number): LiveActionReceipt {
    const receipt = this.live.take(slotId, timeMs);
    this.revision++;
    return receipt;
  }

  /** Slots that hold nothing now and that no live action is about to fill. */
  freeSlots(timeMs: number): string[] {
    const truth = this.truthAt(timeMs);
    const pending = this.live.occupiedSlots(timeMs);
    return this.slots.map((s) => s.id).filter((id) => truth.slots[id]!.length === 0 && !pending.has(id));
  }

  isOnline(cameraId: string, timeMs: number): boolean {
    return !this.sceneAt(timeMs).camerasOffline.includes(cameraId);
  }

  render(cameraId: string, timeMs: number, frameIndex: number): RenderedFrame {
    if (!this.cameraIds.includes(cameraId))
      throw new SimulatorCommandError(`no camera ${cameraId} in this room`);
    return this.renderer.render(cameraId, this.sceneAt(timeMs), frameIndex);
  }

  /** Renders and encodes one frame; the frame's pixels are reused by the next call (streams). */
  renderJpeg(
    cameraId: string,
    timeMs: number,
    frameIndex: number,
  ): Promise<{ frame: RenderedFrame; jpeg: Buffer }> {
    if (!this.cameraIds.includes(cameraId))
      throw new SimulatorCommandError(`no camera ${cameraId} in this room`);
    return this.renderer.renderJpeg(cameraId, this.sceneAt(timeMs), frameIndex);
  }

  locatorState(timeMs: number): SceneLocator {
    return this.sceneAt(timeMs).locator;
  }

  /** Applies a locator command; throws SimulatorCommandError for what the room does not have. */
  command(command: LocatorCommand, timeMs: number): SceneLocator {
    const current = structuredClone(this.locator ?? this.sceneAt(timeMs).locator);
    switch (command.type) {
      case 'aim':
        current.laser = { ...current.laser, panDeg: command.panDeg, tiltDeg: command.tiltDeg };
        break;
      case 'aim-slot': {
        const slot = this.slots.find((s) => s.id === command.slotId);
        if (!slot) throw new SimulatorCommandError(`no slot ${command.slotId} in this room`);
        if (!this.layout.locator) throw new SimulatorCommandError('this room has no locator');
        // A calibrated locator aims with its measured angles; the nominal mount is only a guess.
        const calibrated = this.layout.locator.calibration?.slotTargets[slot.id];
        current.laser = {
          ...current.laser,
          ...(calibrated ?? aimAngles(this.layout.locator.mount.positionCm, slot.aimPoint)),
        };
        break;
      }
      case 'laser':
        current.laser = { ...current.laser, on: command.on };
        break;
      case 'strobe': {
        if (!this.layout.strobeZones.some((z) => z.id === command.zoneId))
          throw new SimulatorCommandError(`no strobe zone ${command.zoneId} in this room`);
        const on = new Set(current.strobesOn);
        if (command.on) on.add(command.zoneId);
        else on.delete(command.zoneId);
        current.strobesOn = [...on];
        break;
      }
      case 'off':
        current.laser = { ...current.laser, on: false };
        current.strobesOn = [];
        break;
    }
    this.locator = current;
    this.revision++;
    return current;
  }
}
