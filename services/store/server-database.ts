import pg from 'pg';
import { createPoolDatabase, type Database } from './database.ts';
import { StoreError } from './store-error.ts';

export interface ServerDatabaseOptions {
  url: string;
  poolSize: number;
  onQuery?: (seconds: number, ok: boolean) => void;
}

/** Connects to a PostgreSQL server and checks it answers before anyone relies on it. */
export async function openServerDatabase(options: ServerDatabaseOptions): Promise<Database> {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize,
    connectionTimeoutMillis: 10_000,
  });
  // An idle client losing its server must not crash the process; the next query reports it.
  pool.on('error', () => undefined);
  const location = describeUrl(options.url);
  try {
    await pool.query('SELECT 1');
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw new StoreError(
      `cannot reach PostgreSQL at ${location}: ${(error as Error).message}; check DATABASE_URL`,
    );
  }
  return createPoolDatabase({
    kind: 'server',
    location,
    pool,
    ...(options.onQuery ? { onQuery: options.onQuery } : {}),
  });
}

export function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.password = '';
    return `${parsed.protocol}//${parsed.username ? `${parsed.username}@` : ''}${parsed.host}${parsed.pathname}`;
  } catch {
    return '(unparsable DATABASE_URL)';
  }
}
