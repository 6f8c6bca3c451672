import { spawn, spawnSync } from 'node:child_process';
import { type BackoffOptions, type CameraSource, reconnectingSource } from './camera-source.ts';
import { JpegConcatParser } from './mjpeg-parser.ts';

export interface FfmpegSourceOptions {
  cameraId: string;
  /** Anything ffmpeg opens: rtsp://…, a file, an HTTP stream. */
  input: string;
  /** Output frame rate (frames are dropped or repeated by ffmpeg to meet it). */
  fps?: number;
  /** Scale to this width (keeps the aspect); the camera's own size when absent. */
  width?: number;
  /** Loop a file forever, as a camera would keep streaming. */
  loop?: boolean;
  backoff?: BackoffOptions;
  ffmpegPath?: string;
}

/** Whether an ffmpeg binary answers on this machine (the source is optional). */
export function ffmpegAvailable(ffmpegPath = 'ffmpeg'): boolean {
  const probe = spawnSync(ffmpegPath, ['-version'], { stdio: 'ignore' });
  return probe.status === 0;
}

/**
 * RTSP cameras and video files through an ffmpeg child process that re-encodes to JPEGs on its
 * stdout. The child is killed when the source stops or the attempt fails; a crashed or finished
 * ffmpeg is an ended stream, retried with backoff.
 */
export function ffmpegSource(options: FfmpegSourceOptions): CameraSource {
  const args = [
    '-hide_banner',
    '-loglevel',
    'error',
    ...(options.input.startsWith('rtsp://') ? ['-rtsp_transport', 'tcp'] : []),
    ...(options.loop ? ['-stream_loop', '-1', '-re'] : []),
    '-i',
    options.input,
    ...(options.fps ? ['-r', String(options.fps)] : []),
    ...(options.width ? ['-vf', `scale=${options.width}:-2`] : []),
    '-f',
    'image2pipe',
    '-vcodec',
    'mjpeg',
    '-q:v',
    '4',
    'pipe:1',
  ];
  return reconnectingSource(
    options.cameraId,
    (signal, emit, corrupt) =>
      new Promise<void>((resolve, reject) => {
        const child = spawn(options.ffmpegPath ?? 'ffmpeg', args, { stdio: ['ignore', 'pipe', 'pipe'] });
        const parser = new JpegConcatParser();
        let reported = 0;
        let stderr = '';
        const kill = () => child.kill('SIGKILL');
        signal.addEventListener('abort', kill, { once: true });
        child.stdout.on('data', (chunk: Buffer) => {
          for (const jpeg of parser.push(chunk)) emit(jpeg);
          if (parser.corrupt > reported) {
            corrupt(parser.corrupt - reported);
            reported = parser.corrupt;
          }
        });
        child.stderr.setEncoding('utf8').on('data', (text: string) => {
          stderr = (stderr + text).slice(-2000);
        });
        child.once('error', (error) => {
          signal.removeEventListener('abort', kill);
          reject(new Error(`ffmpeg could not start: ${error.message}`));
        });
        child.once('close', (code) => {
          signal.removeEventListener('abort', kill);
          if (signal.aborted || code === 0) resolve();
          else reject(new Error(`ffmpeg exited with ${code}: ${stderr.trim().split('\n').at(-1) ?? ''}`));
        });
      }),
    options.backoff ? { backoff: options.backoff } : {},
  );
}
