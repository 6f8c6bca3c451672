/** The locator calibration cannot run or cannot reach a result; the message says what to fix. */
export class LocatorCalibrationError extends Error {
  override readonly name = 'LocatorCalibrationError';
}
