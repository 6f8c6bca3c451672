export { ConfigError } from './config-error.ts';
export {
  environmentSettings,
  type ServiceConfig,
  type ServiceConfigInput,
  serviceConfigSchema,
} from './config-schema.ts';
export { type LoadConfigOptions, loadConfig, redactConfig } from './load-config.ts';
