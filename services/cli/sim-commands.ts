import type { Command } from 'commander';
import { z } from 'zod';
import { integer, parseOptions } from './cli-options.ts';

const defaultLayout = 'calibration/rooms/demo-room.yaml';

/** The layout loader and the simulator, loaded when a sim command runs rather than for `--help`. */
const loadSimulator = () =>
  Promise.all([import('../../calibration/index.ts'), import('../../simulator/index.ts')]);

export function addSimCommands(program: Command): void {
  const sim = program
    .command('sim')
    .description('the simulated package room: camera streams, scenarios, training data');

  sim
    .command('serve')
    .description(
      'serve the simulated cameras as MJPEG streams and snapshots, with ground truth and locator control',
    )
    .option('--layout <file>', 'room layout', defaultLayout)
    .option('--scenario <name|file>', 'bundled scenario name or scenario file (default: an empty room)')
    .option('--fps <n>', 'frames per second per camera', '10')
    .option('--host <address>', 'address to bind', '127.0.0.1')
    .option('--port <n>', 'port (0 picks a free one)', '8554')
    .option('--no-loop', 'hold the last moment of the scenario instead of starting over')
    .action(async (raw) => {
      const options = parseOptions(
        z.object({
          layout: z.string(),
          scenario: z.string().optional(),
          fps: integer(1, 60),
          host: z.string(),
          port: integer(0, 65535),
          loop: z.boolean(),
        }),
        raw,
      );
      const [{ loadLayoutFile }, { openSimulatedRoom, startSimulatorServer }] = await loadSimulator();
      const room = await openSimulatedRoom({
        layout: await loadLayoutFile(options.layout),
        scenario: options.scenario,
        loop: options.loop,
      });
      const server = await startSimulatorServer({
        room,
        fps: options.fps,
        host: options.host,
        port: options.port,
      });
      process.stdout.write(`simulator serving ${room.cameraIds.length} cameras at ${server.url}\n`);
      for (const id of room.cameraIds)
        process.stdout.write(
          `  ${id}: ${server.url}/cameras/${id}/stream.mjpeg  (snapshot: ${server.url}/cameras/${id}/snapshot.jpg)\n`,
        );
      const stop = () => void server.close().then(() => process.exit(0));
      process.on('SIGTERM', stop);
      process.on('SIGINT', stop);
    });

  sim
    .command('dataset')
    .description('write a YOLO-format training set of random simulated scenes')
    .requiredOption('--out <dir>', 'output folder (images/, labels/, data.yaml, ground-truth.json)')
    .option('--count <n>', 'number of images', '1000')
    .option('--seed <n>', 'random seed; the same seed writes the same dataset', '1')
    .option('--people', 'label people as class 1', false)
    .option('--layout <file>', 'room layout', defaultLayout)
    .action(async (raw) => {
      const options = parseOptions(
        z.object({
          out: z.string().min(1),
          count: integer(1, 1_000_000),
          seed: integer(0, 2 ** 31 - 1),
          people: z.boolean(),
          layout: z.string(),
        }),
        raw,
      );
      const [{ loadLayoutFile }, { createRoomRenderer, exportDataset }] = await loadSimulator();
      const layout = await loadLayoutFile(options.layout);
      const renderer = createRoomRenderer(layout, { seed: options.seed });
      const started = Date.now();
      const summary = await exportDataset(layout, renderer, {
        outDir: options.out,
        count: options.count,
        seed: options.seed,
        people: options.people,
        onProgress: (done, total) => {
          if (done % 100 === 0 || done === total) process.stderr.write(`\r${done}/${total} images`);
        },
      });
      process.stderr.write('\n');
      process.stdout.write(
        `${JSON.stringify({ ...summary, outDir: options.out, seed: options.seed, seconds: Math.round((Date.now() - started) / 100) / 10 })}\n`,
      );
    });

  sim
    .command('scenarios')
    .description('list the bundled scenarios, each checked against the layout')
    .option('--layout <file>', 'room layout', defaultLayout)
    .action(async (raw: { layout: string }) => {
      const [{ loadLayoutFile }, { compileScenario, listBundledScenarios, loadScenarioFile }] =
        await loadSimulator();
      const layout = await loadLayoutFile(raw.layout);
      for (const { name, file } of await listBundledScenarios()) {
        const scenario = await loadScenarioFile(file);
        compileScenario(scenario, layout, file);
        process.stdout.write(
          `${name.padEnd(32)} ${String(scenario.durationS).padStart(4)} s  ${scenario.description}\n`,
        );
      }
    });
}
