export { roomRecordFromLayout } from './room-record.ts';
export { type RunningService, type StartOptions, startService } from './start-service.ts';
export { formatStartSummary, type StartSummary } from './start-summary.ts';
