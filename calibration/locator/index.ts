export {
  type CalibrationProgress,
  calibrateLocator,
  type LevelTrim,
  type LocatorCalibration,
  type LocatorCalibrationOptions,
  type LocatorCalibrationResult,
  type SlotResidual,
} from './calibrate-locator.ts';
export { LocatorCalibrationError } from './calibration-errors.ts';
export {
  type CameraRay,
  levelAt,
  type MeasuringCamera,
  measuringCamera,
  triangulate,
} from './camera-rays.ts';
export {
  type DotFinderOptions,
  type DotSearch,
  type FoundDot,
  findLaserDot,
  type RgbFrame,
} from './dot-finder.ts';
export { type HttpRigOptions, httpLocatorRig } from './http-rig.ts';
export type { LocatorRig } from './locator-rig.ts';
export {
  aimModel,
  type Beam,
  type BeamObservation,
  beamOf,
  distanceFromBeam,
  fitMountModel,
  type MountFit,
  type MountModel,
  nominalMountModel,
} from './mount-model.ts';
export { type LocatorPointer, type PointerRigOptions, pointerLocatorRig } from './pointer-rig.ts';
export { type Aim, coarseGrid } from './sweep-plan.ts';
export { withLocatorCalibration } from './write-calibration.ts';
