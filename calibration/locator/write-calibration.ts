import { isMap, parseDocument } from 'yaml';
import { parseLayout } from '../parse-layout.ts';
import type { LocatorCalibration } from './calibrate-locator.ts';
import { LocatorCalibrationError } from './calibration-errors.ts';

/**
 * The layout text with `locator.calibration` set (replaced if there was one). The rest of the
 * document keeps its comments, order and styles, since the YAML is edited as a document rather
 * than re-serialised from data. The result is parsed and checked before it is returned, so a
 * file written from it always loads.
 */
export function withLocatorCalibration(
  text: string,
  calibration: LocatorCalibration,
  source: string,
): string {
  const document = parseDocument(text);
  if (document.errors.length > 0)
    throw new LocatorCalibrationError(`${source}: not valid YAML: ${document.errors[0]!.message}`);
  const locator = document.get('locator');
  if (!isMap(locator))
    throw new LocatorCalibrationError(`${source}: the layout has no locator section to calibrate`);
  const node = document.createNode(calibration);
  // One slot a line reads and diffs best.
  const targets = node.get('slotTargets');
  if (isMap(targets)) for (const pair of targets.items) if (isMap(pair.value)) pair.value.flow = true;
  locator.set('calibration', node);
  const out = document.toString({ lineWidth: 0, flowCollectionPadding: false });
  const check = parseLayout(out, source);
  if (!check.ok)
    throw new LocatorCalibrationError(
      `${source}: the calibrated layout would not load: ${check.issues
        .filter((i) => i.severity === 'error')
        .map((i) => `${i.path}: ${i.message}`)
        .join('; ')}`,
    );
  return out;
}
