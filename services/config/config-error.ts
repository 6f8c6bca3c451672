/** A configuration value the service cannot start with; `message` is one line a user can act on. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}
