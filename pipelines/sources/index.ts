export {
  type BackoffOptions,
  backoffDelay,
  type CameraFrame,
  type CameraSource,
  type Connect,
  defaultBackoff,
  reconnectingSource,
  type SourceHealth,
  type SourceState,
} from './camera-source.ts';
export { type FfmpegSourceOptions, ffmpegAvailable, ffmpegSource } from './ffmpeg-source.ts';
export { type MjpegSourceOptions, mjpegHttpSource } from './mjpeg-http-source.ts';
export { boundaryOf, JpegConcatParser, MjpegParser } from './mjpeg-parser.ts';
export { simulatorSource } from './simulator-source.ts';
export { type PushServer, type PushServerOptions, startPushServer } from './websocket-push.ts';
