import { type Logger, type LoggerOptions, pino } from 'pino';

export type { Logger } from 'pino';

export interface LoggerSettings {
  level: string;
  pretty?: boolean;
}

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
    return pino({ ...options, transport: { target: 'pino-pretty', options: { colorize: true } } });
  }
  return pino(options);
}
