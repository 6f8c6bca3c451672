import { buildProgram } from './commands.ts';

/**
 * The errors a user can fix, by class. Loaded only when something failed: their modules pull in
 * the heavy parts (onnxruntime, sharp, zeromq…) that `--help` and the light commands never need.
 */
async function userErrorClasses(): Promise<Array<abstract new (...args: never[]) => Error>> {
  const [calibration, hw, models, pipelines, simulator, config, store] = await Promise.all([
    import('../../calibration/index.ts'),
    import('../../hw-controller/index.ts'),
    import('../../models/index.ts'),
    import('../../pipelines/index.ts'),
    import('../../simulator/index.ts'),
    import('../config/index.ts'),
    import('../store/index.ts'),
  ]);
  return [
    config.ConfigError,
    store.StoreError,
    calibration.LayoutError,
    calibration.LocatorCalibrationError,
    hw.HwControllerError,
    simulator.ScenarioError,
    simulator.SimulatorCommandError,
    models.DetectorError,
    models.ImageInputError,
    models.DatasetError,
    models.OcrError,
    pipelines.LabelImageError,
    pipelines.LabelInputError,
  ];
}

/** Errors the user can fix are one line on stderr; anything else keeps its stack. */
async function report(error: unknown): Promise<never> {
  const known = await userErrorClasses().catch(() => []);
  if (known.some((kind) => error instanceof kind)) {
    process.stderr.write(`parcelroom: ${(error as Error).message}\n`);
    process.exit(2);
  }
  process.stderr.write(`parcelroom: unexpected error\n${(error as Error)?.stack ?? String(error)}\n`);
  process.exit(1);
}

process.on('unhandledRejection', (reason) => void report(reason));
await buildProgram().parseAsync(process.argv).catch(report);
