import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { z } from 'zod';
import type { LocatorCalibrationResult, LocatorRig } from '../../calibration/locator/index.ts';
import { ConfigError } from '../config/index.ts';
import { integer, parseOptions } from './cli-options.ts';

const defaultLayout = 'calibration/rooms/demo-room.yaml';

export function addCalibrateCommands(program: Command): void {
  const calibrate = program.command('calibrate').description('calibrate the room’s devices');

  calibrate
    .command('locator')
    .description(
      'sweep the laser, find its dot in the camera frames, fit the mount and write each slot’s pan/tilt into the layout',
    )
    .option('--layout <file>', 'room layout', defaultLayout)
    .option(
      '--simulator-url <url>',
      'a running simulator (`parcelroom sim serve`): POST /locator and snapshots',
    )
    .option('--in-process', 'calibrate against a simulated room started inside this command')
    .option(
      '--hw-endpoint <endpoint>',
      'aim through the hw-controller daemon (e.g. tcp://127.0.0.1:5560); frames still come from --simulator-url',
    )
    .option('--out <file>', 'write the calibrated layout to this file')
    .option('--write', 'write the calibration into the layout file itself')
    .option('--grid <n>', 'coarse sweep of n × n angles', '8')
    .option('--slots <ids>', 'calibrate only these slots, comma-separated (default: all)')
    .option('--tolerance-cm <cm>', 'a slot whose dot lands farther from its centre fails', '2')
    .option('--accept', 'write the result even if some slots fail the tolerance')
    .option('--json', 'print the whole result as JSON instead of the table')
    .action(async (raw) => {
      const options = parseOptions(
        z
          .object({
            layout: z.string(),
            simulatorUrl: z.url({ error: 'must be a URL such as http://127.0.0.1:8554' }).optional(),
            inProcess: z.boolean().optional(),
            hwEndpoint: z
              .string()
              .regex(/^tcp:\/\/.+:\d+$/, 'must be a ZeroMQ TCP endpoint such as tcp://127.0.0.1:5560')
              .optional(),
            out: z.string().optional(),
            write: z.boolean().optional(),
            grid: integer(3, 40),
            slots: z.string().optional(),
            toleranceCm: z.coerce
              .number({ error: 'must be a number of cm above 0' })
              .positive('must be a number of cm above 0'),
            accept: z.boolean().optional(),
            json: z.boolean().optional(),
          })
          .strict(),
        raw,
      );
      if (Boolean(options.simulatorUrl) === Boolean(options.inProcess))
        throw new ConfigError('give exactly one of --simulator-url URL and --in-process');
      if (options.hwEndpoint && !options.simulatorUrl)
        throw new ConfigError('--hw-endpoint needs --simulator-url for the camera frames');
      if (options.out && options.write) throw new ConfigError('give --out FILE or --write, not both');
      // Loaded here rather than for `--help`: the simulator renders with sharp, the link is zeromq.
      const [
        { loadLayoutFile },
        locator,
        { createLocatorClient },
        { openSimulatedRoom, simulatedLocatorRig },
      ] = await Promise.all([
        import('../../calibration/index.ts'),
        import('../../calibration/locator/index.ts'),
        import('../../hw-controller/index.ts'),
        import('../../simulator/index.ts'),
      ]);
      const { calibrateLocator, httpLocatorRig, pointerLocatorRig, withLocatorCalibration } = locator;
      const layout = await loadLayoutFile(options.layout);
      const text = readFileSync(options.layout, 'utf8');
      // Checked before the sweep: a layout that cannot take a calibration fails in a second.
      withLocatorCalibration(
        text,
        { calibratedAt: new Date().toISOString(), residualPx: 0, residualCm: 0, slotTargets: {} },
        options.layout,
      );

      let rig: LocatorRig;
      if (options.inProcess) rig = simulatedLocatorRig(await openSimulatedRoom({ layout, seed: 1 }));
      else if (options.hwEndpoint) {
        const client = createLocatorClient({ endpoint: options.hwEndpoint });
        const frames = httpLocatorRig({ simulatorUrl: options.simulatorUrl! });
        rig = {
          ...pointerLocatorRig({ pointer: client, grab: frames.grab, description: options.hwEndpoint }),
          close: () => client.close(),
        };
      } else rig = httpLocatorRig({ simulatorUrl: options.simulatorUrl! });
      const progress = process.stderr.isTTY
        ? (p: { stage: string; done: number; total: number }) =>
            process.stderr.write(`\r${p.stage} ${p.done}/${p.total}   ${p.done === p.total ? '\n' : ''}`)
        : undefined;
      let result: LocatorCalibrationResult;
      try {
        result = await calibrateLocator({
          layout,
          rig,
          gridSize: options.grid,
          toleranceCm: options.toleranceCm,
          ...(options.slots ? { slotIds: options.slots.split(',').map((s) => s.trim()) } : {}),
          ...(progress ? { onProgress: progress } : {}),
        });
      } finally {
        await rig.close?.();
      }

      const failed = result.slots.filter((s) => s.problem);
      const target = options.write ? options.layout : options.out;
      let written: string | undefined;
      if (target && (failed.length === 0 || options.accept)) {
        writeFileSync(target, withLocatorCalibration(text, result.calibration, options.layout));
        written = target;
      }
      if (options.json)
        process.stdout.write(`${JSON.stringify({ ...result, written: written ?? null }, null, 2)}\n`);
      else process.stdout.write(formatCalibrationReport(result, written));
      if (target && !written)
        process.stderr.write(
          `parcelroom: ${failed.length} slot(s) failed; ${target} not written (--accept writes anyway)\n`,
        );
      process.exitCode = failed.length > 0 ? 1 : 0;
    });
}

/** The residual table: one line a slot, then the summary and anything to look at. */
export function formatCalibrationReport(result: LocatorCalibrationResult, written?: string): string {
  const lines = ['slot    pan °     tilt °    px     cm     cameras        problem'];
  for (const s of result.slots)
    lines.push(
      [
        s.slotId.padEnd(7),
        s.panDeg.toFixed(3).padStart(8),
        s.tiltDeg.toFixed(3).padStart(9),
        (s.residualPx?.toFixed(2) ?? '–').padStart(6),
        (s.residualCm?.toFixed(2) ?? '–').padStart(6),
        `  ${s.seenBy.join(',').padEnd(14)}`,
        s.problem ?? '',
      ].join(' '),
    );
  const m = result.model;
  const { summary } = result;
  lines.push(
    '',
    `mount: origin (${m.originCm.x.toFixed(1)}, ${m.originCm.y.toFixed(1)}, ${m.originCm.z.toFixed(1)}) cm, ` +
      `yaw ${m.yawDeg.toFixed(2)}°, pitch ${m.pitchDeg.toFixed(2)}°, roll ${m.rollDeg.toFixed(2)}°, tilt zero ${m.tiltZeroDeg.toFixed(2)}°`,
    `fit: ${summary.samplesUsed} of ${summary.samples} samples used (${summary.outliers} outliers), median miss ${summary.fitMedianCm} cm`,
    `verification: ${summary.slotsWithinTolerance} of ${result.slots.length} slots within ${summary.toleranceCm} cm; ` +
      `median ${summary.medianPx} px / ${summary.medianCm} cm, max ${summary.maxPx} px / ${summary.maxCm} cm`,
    ...result.notes.map((n) => `note: ${n}`),
    written ? `wrote ${written}` : 'layout not written',
  );
  return `${lines.join('\n')}\n`;
}
