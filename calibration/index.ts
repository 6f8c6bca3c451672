export * from './geometry/index.ts';
export { checkLayout } from './layout-checks.ts';
export { formatIssue, type IssueSeverity, LayoutError, type LayoutIssue } from './layout-issues.ts';
export {
  type CameraPoseSpec,
  type CameraView,
  type Level,
  type Locator,
  layoutSchema,
  type RoomLayout,
  type ShelvingUnit,
  type SlotSpec,
  type StrobeZone,
  slotIdPattern,
} from './layout-schema.ts';
// The HTTP rig (sharp, fetch) stays out of this face: import calibration/locator/index.ts for it.
export {
  type CalibrationProgress,
  calibrateLocator,
  findLaserDot,
  fitMountModel,
  type LocatorCalibration,
  LocatorCalibrationError,
  type LocatorCalibrationOptions,
  type LocatorCalibrationResult,
  type LocatorRig,
  type MountModel,
  type RgbFrame,
  type SlotResidual,
  withLocatorCalibration,
} from './locator/index.ts';
export {
  checkLayoutFile,
  formatLayoutReport,
  type LayoutCheckResult,
  type LayoutSummary,
  loadLayoutFile,
  parseLayout,
} from './parse-layout.ts';
export {
  buildRoomModel,
  levelIdOf,
  listSlots,
  type RoomModel,
  type Slot,
  slotIdOf,
  type UnitFrame,
  unitFrame,
  unitPoint,
} from './room-model.ts';
export { deriveCameraViews } from './tools/derive-camera-views.ts';
export { demoLayout } from './tools/generate-demo-room.ts';
