export { prettyLogsFor } from './log-format.ts';
export { createLogger, type Logger, type LoggerSettings } from './logger.ts';
