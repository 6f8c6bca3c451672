import { LayoutError, LocatorCalibrationError } from '../../calibration/index.ts';
import { HwControllerError } from '../../hw-controller/index.ts';
import { DatasetError, DetectorError, ImageInputError, OcrError } from '../../models/index.ts';
import { LabelImageError, LabelInputError } from '../../pipelines/index.ts';
import { ScenarioError, SimulatorCommandError } from '../../simulator/index.ts';
import { ConfigError } from '../config/index.ts';
import { StoreError } from '../store/index.ts';
import { buildProgram } from './commands.ts';

/** Errors the user can fix are one line on stderr; anything else keeps its stack. */
function report(error: unknown): never {
  if (
    error instanceof ConfigError ||
    error instanceof StoreError ||
    error instanceof LayoutError ||
    error instanceof LocatorCalibrationError ||
    error instanceof HwControllerError ||
    error instanceof ScenarioError ||
    error instanceof SimulatorCommandError ||
    error instanceof DetectorError ||
    error instanceof ImageInputError ||
    error instanceof DatasetError ||
    error instanceof OcrError ||
    error instanceof LabelImageError ||
    error instanceof LabelInputError
  ) {
    process.stderr.write(`parcelroom: ${error.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`parcelroom: unexpected error\n${(error as Error)?.stack ?? String(error)}\n`);
  process.exit(1);
}

process.on('unhandledRejection', report);
await buildProgram().parseAsync(process.argv).catch(report);
