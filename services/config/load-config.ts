import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from './config-error.ts';
import { environmentSettings, type ServiceConfig, serviceConfigSchema } from './config-schema.ts';

export interface LoadConfigOptions {
  /** Optional config file (YAML or JSON); `PARCELROOM_CONFIG` names one when this is absent. */
  file?: string | undefined;
  env?: NodeJS.ProcessEnv;
}

type Origin = { kind: 'env'; name: string } | { kind: 'file'; file: string } | { kind: 'default' };

/**
 * Merges the config file with environment variables (env wins) and parses the result.
 * Throws ConfigError naming the first bad setting as the user wrote it.
 */
export function loadConfig(options: LoadConfigOptions = {}): ServiceConfig {
  const env = options.env ?? process.env;
  const file = options.file ?? nonEmpty(env.PARCELROOM_CONFIG);
  const merged: Record<string, unknown> = file ? readConfigFile(file) : {};
  const origins = new Map<string, Origin>();
  if (file) markOrigins(merged, [], origins, { kind: 'file', file });

  for (const setting of environmentSettings) {
    const value = nonEmpty(env[setting.env]);
    if (value === undefined) continue;
    // PORT is the conventional fallback; an explicit PARCELROOM_HTTP_PORT must not be overridden by it.
    if (setting.env === 'PORT' && nonEmpty(env.PARCELROOM_HTTP_PORT) !== undefined) continue;
    setPath(merged, setting.path, value);
    origins.set(setting.path.join('.'), { kind: 'env', name: setting.env });
  }

  const result = serviceConfigSchema.safeParse(merged);
  if (!result.success) throw new ConfigError(describeIssue(result.error.issues[0]!, origins, merged));
  return result.data;
}

function describeIssue(issue: z.core.$ZodIssue, origins: Map<string, Origin>, merged: unknown): string {
  const dotted = issue.path.join('.');
  if (issue.code === 'unrecognized_keys') {
    const where = dotted ? `${dotted}.` : '';
    return `config: unknown setting ${issue.keys.map((k) => `"${where}${k}"`).join(', ')}; see README "Configuration" for the allowed settings`;
  }
  const origin = origins.get(dotted) ?? { kind: 'default' };
  const got = valueAt(merged, issue.path);
  const shown = got === undefined ? '' : ` (got ${JSON.stringify(got)})`;
  switch (origin.kind) {
    case 'env':
      return `config: ${origin.name} ${issue.message}${shown}`;
    case 'file':
      return `config: ${origin.file}: ${dotted} ${issue.message}${shown}`;
    default:
      return `config: ${dotted} ${issue.message}${shown}`;
  }
}

function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(
      `config: cannot read config file ${file}: ${(error as NodeJS.ErrnoException).code ?? error}`,
    );
  }
  let parsed: unknown;
  try {
    parsed = extname(file) === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    const reason = (error as Error).message.split('\n')[0];
    throw new ConfigError(
      `config: ${file} is not valid ${extname(file) === '.json' ? 'JSON' : 'YAML'}: ${reason}`,
    );
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError(`config: ${file} must hold a mapping of settings at its top level`);
  }
  return parsed as Record<string, unknown>;
}

function markOrigins(value: unknown, path: string[], origins: Map<string, Origin>, origin: Origin): void {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, child] of Object.entries(value)) markOrigins(child, [...path, key], origins, origin);
  } else {
    origins.set(path.join('.'), origin);
  }
}

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
}

function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let node = value;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

/** The config with passwords and secrets hidden, for `parcelroom config print` and start logs. */
export function redactConfig(config: ServiceConfig): ServiceConfig {
  const hidden = (value: string | undefined) => (value === undefined ? undefined : '***');
  const { notifications } = config;
  const redacted: ServiceConfig = {
    ...config,
    kiosk: {
      ...config.kiosk,
      ...(config.kiosk.devices !== undefined
        ? { devices: config.kiosk.devices.replace(/:[^,]+/g, ':***') }
        : {}),
      ...(config.kiosk.secret !== undefined ? { secret: hidden(config.kiosk.secret) } : {}),
    },
    notifications: {
      ...notifications,
      ...(notifications.linkSecret !== undefined ? { linkSecret: hidden(notifications.linkSecret) } : {}),
      smtp: {
        ...notifications.smtp,
        ...(notifications.smtp.password !== undefined
          ? { password: hidden(notifications.smtp.password) }
          : {}),
      },
      sms: {
        ...notifications.sms,
        ...(notifications.sms.password !== undefined ? { password: hidden(notifications.sms.password) } : {}),
      },
    },
  };
  if (!config.database.url) return redacted;
  let url = config.database.url;
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    url = parsed.toString();
  } catch {
    url = '***';
  }
  return { ...redacted, database: { ...config.database, url } };
}
