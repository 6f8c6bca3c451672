import type { Database } from './database.ts';
import { openEmbeddedDatabase } from './embedded-database.ts';
import { openServerDatabase } from './server-database.ts';

export interface DatabaseSettings {
  /** A PostgreSQL connection string; absent means the embedded database. */
  url?: string | undefined;
  dataDir: string;
  poolSize: number;
}

export interface DatabaseHooks {
  /** Told when the embedded database refuses a connection (another process without its password). */
  onRefused?: (reason: string) => void;
}

export function openDatabase(
  settings: DatabaseSettings,
  onQuery?: (seconds: number, ok: boolean) => void,
  hooks: DatabaseHooks = {},
): Promise<Database> {
  const hook = onQuery ? { onQuery } : {};
  return settings.url
    ? openServerDatabase({ url: settings.url, poolSize: settings.poolSize, ...hook })
    : openEmbeddedDatabase({
        dataDir: settings.dataDir,
        ...hook,
        ...(hooks.onRefused ? { onRefused: hooks.onRefused } : {}),
      });
}
