import { existsSync } from 'node:fs';
import { loadLayoutFile, type RoomLayout } from '../calibration/index.ts';
import type { LiveTiming } from './live-scene.ts';
import { createRoomRenderer, defaultLocatorMountError, type LocatorMountError } from './render/index.ts';
import { listBundledScenarios, loadScenarioFile } from './scenarios/load-scenario.ts';
import { compileScenario, ScenarioError } from './scenarios/timeline.ts';
import { SimulatedRoom } from './simulated-room.ts';

/** The scenario name of an empty room that changes only by live commands (place, take). */
export const liveScenarioName = 'live';

export interface OpenRoomOptions {
  layout: RoomLayout;
  /** A bundled scenario's name or a scenario file; an empty room when absent or `live`. */
  scenario?: string | undefined;
  /** Rendering seed (noise, label looks); the scenario's own seed when absent. */
  seed?: number | undefined;
  loop?: boolean;
  /**
   * How the simulated locator's mount differs from the layout's; `defaultLocatorMountError`
   * when absent (a real mount is never ideal), `idealLocatorMount` for none.
   */
  locatorMountError?: LocatorMountError;
  /** How long live place and take commands take (a person walking in and out). */
  liveTiming?: LiveTiming | undefined;
}

/** Builds a simulated room from a layout and an optional scenario name or file. */
export async function openSimulatedRoom(options: OpenRoomOptions): Promise<SimulatedRoom> {
  let timeline: ReturnType<typeof compileScenario> | undefined;
  if (options.scenario && options.scenario !== liveScenarioName) {
    const bundled = (await listBundledScenarios()).find((s) => s.name === options.scenario);
    const file = bundled?.file ?? options.scenario;
    if (!bundled && !existsSync(file)) {
      const names = (await listBundledScenarios()).map((s) => s.name).join(', ');
      throw new ScenarioError(options.scenario, [
        {
          path: '(file)',
          message: `no such scenario file, and no bundled scenario of that name (bundled: ${names})`,
        },
      ]);
    }
    const scenario = await loadScenarioFile(file);
    timeline = compileScenario(scenario, options.layout, file);
  }
  const seed = options.seed ?? timeline?.scenario.seed ?? 1;
  return new SimulatedRoom({
    layout: options.layout,
    renderer: createRoomRenderer(options.layout, {
      seed,
      locatorMountError: options.locatorMountError ?? defaultLocatorMountError,
    }),
    ...(timeline ? { timeline } : {}),
    loop: options.loop ?? false,
    seed,
    ...(options.liveTiming ? { liveTiming: options.liveTiming } : {}),
  });
}

export async function openDemoRoom(layoutFile: string, scenario?: string): Promise<SimulatedRoom> {
  return openSimulatedRoom({ layout: await loadLayoutFile(layoutFile), scenario, loop: true });
}
