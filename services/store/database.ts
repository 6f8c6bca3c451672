import pg from 'pg';

export type SqlParam = string | number | boolean | null | Date | Buffer | readonly unknown[] | object;

/** Anything queries can run on: the database itself or one transaction. */
export interface Queryable {
  query<Row extends pg.QueryResultRow = pg.QueryResultRow>(
    sql: string,
    params?: readonly SqlParam[],
  ): Promise<pg.QueryResult<Row>>;
}

export type DatabaseKind = 'server' | 'embedded';

/** The store's one face, whether PostgreSQL is a server or embedded PGlite. */
export interface Database extends Queryable {
  readonly kind: DatabaseKind;
  /** Where the data lives, without credentials, for logs. */
  readonly location: string;
  /** Runs `work` in a transaction; it commits when `work` resolves and rolls back when it throws. */
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
  /** A dedicated client, for tools (migrations) that need one connection of their own. */
  withClient<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

// Postgres returns int8 and numeric as strings to avoid precision loss; our int8 are ids and
// counts far below 2^53, so numbers are what callers want.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number.parseInt(v, 10));

export interface PoolDatabaseOptions {
  kind: DatabaseKind;
  location: string;
  pool: pg.Pool;
  onQuery?: (seconds: number, ok: boolean) => void;
  onClose?: () => Promise<void>;
}

/** A `Database` over a pg pool; both the server and the embedded store use it. */
export function createPoolDatabase(options: PoolDatabaseOptions): Database {
  const { pool, onQuery } = options;
  let closed = false;

  const timed = async <T>(run: () => Promise<T>): Promise<T> => {
    const start = process.hrtime.bigint();
    try {
      const result = await run();
      onQuery?.(Number(process.hrtime.bigint() - start) / 1e9, true);
      return result;
    } catch (error) {
      onQuery?.(Number(process.hrtime.bigint() - start) / 1e9, false);
      throw error;
    }
  };

  const clientQueryable = (client: pg.PoolClient): Queryable => ({
    query: (sql, params) => timed(() => client.query(sql, params as unknown[] | undefined)),
  });

  return {
    kind: options.kind,
    location: options.location,
    query: (sql, params) => timed(() => pool.query(sql, params as unknown[] | undefined)),
    async transaction(work) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await work(clientQueryable(client));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
    async withClient(work) {
      const client = await pool.connect();
      try {
        return await work(client);
      } finally {
        client.release();
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await pool.end();
      await options.onClose?.();
    },
  };
}
