import { createRequire } from 'node:module';
import { type Logger, type LoggerOptions, pino } from 'pino';
import type { PrettyOptions, PrettyStream } from 'pino-pretty';

export type { Logger } from 'pino';

export interface LoggerSettings {
  level: string;
  pretty?: boolean;
}

const require = createRequire(import.meta.url);

/** One structured logger per process; stages take a child with their own bindings. */
export function createLogger(settings: LoggerSettings): Logger {
  const options: LoggerOptions = {
    level: settings.level,
    base: { service: 'parcelroom' },
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', '*.password', '*.pin'],
      censor: '***',
    },
  };
  if (settings.pretty) {
    // In this thread and synchronous (not a worker transport): lines reach the terminal in the
    // order they were logged, so the start-up summary printed after "room running" stays last.
    // Loaded only when asked for, so JSON runs and light commands never pay for it.
    const pretty = require('pino-pretty') as (options: PrettyOptions) => PrettyStream;
    return pino(options, pretty({ colorize: true, sync: true, ignore: 'pid,hostname,service' }));
  }
  return pino(options);
}
