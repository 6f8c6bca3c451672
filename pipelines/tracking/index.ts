export { assignSlot, type BoxLike, type SlotAssignment, type SlotView } from './slot-assigner.ts';
export {
  type CameraObservation,
  coversSlot,
  defaultSlotTrackerOptions,
  type ScoredBox,
  SlotTracker,
  type SlotTrackerOptions,
  type TrackedObject,
} from './slot-tracker.ts';
