export { CameraPipeline, type CameraPipelineOptions, type ProcessedFrame } from './camera-pipeline.ts';
export * from './detection/index.ts';
export {
  type ScenarioScore,
  scoreScenario,
  type TruthEvent,
  truthEvents,
} from './evaluation/scenario-eval.ts';
export { type DecodedFrame, decodeFrame, FrameDecodeError } from './frames/decode-frame.ts';
export * from './labels/index.ts';
export * from './motion/index.ts';
export * from './observations/index.ts';
export { createPipelineMetrics, type PipelineMetrics } from './pipeline-metrics.ts';
export {
  createRoomPipeline,
  type PipelineObservation,
  type RoomPipeline,
  type RoomPipelineHealth,
  type RoomPipelineOptions,
} from './room-pipeline.ts';
export * from './sources/index.ts';
export * from './tracking/index.ts';
