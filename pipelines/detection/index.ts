export {
  type DetectionOutcome,
  type DetectionRequest,
  DetectionScheduler,
  type SchedulerStats,
} from './detection-scheduler.ts';
