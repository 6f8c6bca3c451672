import { z } from 'zod';
import { ConfigError } from '../config/index.ts';

/** Parses CLI options with a schema so that a bad flag is one clear line, like a bad setting. */
export function parseOptions<T extends z.ZodType>(schema: T, raw: unknown): z.infer<T> {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  throw new ConfigError(
    `--${String(issue.path[0] ?? 'option').replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} ${issue.message}`,
  );
}

export const integer = (min: number, max: number) =>
  z.coerce
    .number({ error: `must be a whole number from ${min} to ${max}` })
    .int(`must be a whole number from ${min} to ${max}`)
    .min(min, `must be a whole number from ${min} to ${max}`)
    .max(max, `must be a whole number from ${min} to ${max}`);

export const fraction = (what: string) =>
  z.coerce
    .number({ error: `must be a number from 0 to 1 (${what})` })
    .min(0, `must be a number from 0 to 1 (${what})`)
    .max(1, `must be a number from 0 to 1 (${what})`);
