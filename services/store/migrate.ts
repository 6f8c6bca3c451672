import { fileURLToPath } from 'node:url';
import { runner } from 'node-pg-migrate';
import type { Logger } from '../logging/index.ts';
import type { Database } from './database.ts';
import { StoreError } from './store-error.ts';

export const migrationsDir = fileURLToPath(new URL('./migrations', import.meta.url));

export interface MigrationResult {
  applied: string[];
  total: number;
}

/** Brings the schema up to date; safe to run at every start and from several processes. */
export async function migrateToLatest(db: Database, logger?: Logger): Promise<MigrationResult> {
  return db.withClient(async (client) => {
    try {
      const applied = await runner({
        dbClient: client,
        dir: migrationsDir,
        direction: 'up',
        migrationsTable: 'pgmigrations',
        count: Number.POSITIVE_INFINITY,
        checkOrder: true,
        // Two services starting together wait for each other instead of failing.
        advisoryLockMode: 'wait',
        log: (message) => logger?.debug({ stage: 'migrate' }, message),
        logger: {
          debug: (message) => logger?.debug({ stage: 'migrate' }, message),
          info: (message) => logger?.debug({ stage: 'migrate' }, message),
          warn: (message) => logger?.warn({ stage: 'migrate' }, message),
          error: (message) => logger?.error({ stage: 'migrate' }, message),
        },
      });
      const { rows } = await client.query<{ count: number }>(
        'SELECT count(*)::int AS count FROM pgmigrations',
      );
      return { applied: applied.map((m) => m.name), total: rows[0]?.count ?? 0 };
    } catch (error) {
      throw new StoreError(`database migration failed: ${(error as Error).message}`);
    }
  });
}
