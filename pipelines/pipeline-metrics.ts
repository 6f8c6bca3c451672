import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The camera pipelines' metrics, registered in the service's registry. */
export function createPipelineMetrics(registry: Registry) {
  const registers = [registry];
  return {
    framesIn: new Counter({
      name: 'parcelroom_camera_frames_total',
      help: 'Frames received from each camera',
      labelNames: ['camera'] as const,
      registers,
    }),
    framesProcessed: new Counter({
      name: 'parcelroom_camera_frames_processed_total',
      help: 'Frames that went through the pipeline (decode and motion gate)',
      labelNames: ['camera'] as const,
      registers,
    }),
    framesDropped: new Counter({
      name: 'parcelroom_camera_frames_dropped_total',
      help: 'Frames dropped because a newer one arrived while the pipeline was busy',
      labelNames: ['camera'] as const,
      registers,
    }),
    framesCorrupt: new Counter({
      name: 'parcelroom_camera_frames_corrupt_total',
      help: 'Frames that could not be decoded',
      labelNames: ['camera'] as const,
      registers,
    }),
    motionEvents: new Counter({
      name: 'parcelroom_motion_events_total',
      help: 'Motion gate events by kind',
      labelNames: ['camera', 'kind'] as const,
      registers,
    }),
    detectorLatency: new Histogram({
      name: 'parcelroom_detector_latency_seconds',
      help: 'Time for one detection (preprocess, inference, decode)',
      labelNames: ['camera'] as const,
      buckets: [0.005, 0.01, 0.015, 0.02, 0.03, 0.05, 0.1, 0.25, 0.5, 1],
      registers,
    }),
    detectionsSuperseded: new Counter({
      name: 'parcelroom_detections_superseded_total',
      help: 'Detection requests replaced by a newer frame of the same camera before they ran',
      labelNames: ['camera'] as const,
      registers,
    }),
    observationLatency: new Histogram({
      name: 'parcelroom_observation_latency_seconds',
      help: 'From the frame that decided an observation arriving to the observation being emitted',
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    observations: new Counter({
      name: 'parcelroom_observations_total',
      help: 'Observations emitted to the room ledger, by kind',
      labelNames: ['kind'] as const,
      registers,
    }),
    cameraFps: new Gauge({
      name: 'parcelroom_camera_fps',
      help: 'Frames per second received from each camera, over the last seconds',
      labelNames: ['camera'] as const,
      registers,
    }),
    cameraOnline: new Gauge({
      name: 'parcelroom_camera_online',
      help: '1 while a camera delivers frames',
      labelNames: ['camera'] as const,
      registers,
    }),
    sourceReconnects: new Gauge({
      name: 'parcelroom_camera_reconnects',
      help: 'Reconnections of each camera source since the start',
      labelNames: ['camera'] as const,
      registers,
    }),
  };
}

export type PipelineMetrics = ReturnType<typeof createPipelineMetrics>;
