import pg from 'pg';
import { StoreAvailability, unavailabilityReason } from './store-availability.ts';

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
  /** Whether the database can take work now, learnt from every query; see store-availability.ts. */
  readonly availability: StoreAvailability;
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
  /** How often an idle service checks that the database is still there (0: only when used). */
  heartbeatMs?: number;
}

/** A `Database` over a pg pool; both the server and the embedded store use it. */
export function createPoolDatabase(options: PoolDatabaseOptions): Database {
  const { pool, onQuery } = options;
  let closed = false;
  const availability = new StoreAvailability({
    probe: () => pool.query('SELECT 1'),
    writeProbe: async () => {
      const client = await pool.connect();
      let broken = false;
      try {
        await client.query('BEGIN');
        await client.query("INSERT INTO store_write_probes (padding) VALUES (repeat('x', 65536))");
      } catch (error) {
        broken =
          unavailabilityReason(error) !== undefined &&
          !/^53/.test(String((error as { code?: unknown }).code));
        throw error;
      } finally {
        await client.query('ROLLBACK').catch(() => {
          broken = true;
        });
        client.release(broken || undefined);
      }
    },
    heartbeatMs: options.heartbeatMs ?? 2000,
  });

  const timed = async <T>(run: () => Promise<T>): Promise<T> => {
    const start = process.hrtime.bigint();
    try {
      const result = await run();
      onQuery?.(Number(process.hrtime.bigint() - start) / 1e9, true);
      availability.noteSuccess();
      return result;
    } catch (error) {
      onQuery?.(Number(process.hrtime.bigint() - start) / 1e9, false);
      throw availability.noteFailure(error);
    }
  };
  // A connection that failed must not go back to the pool for the next caller to trip over.
  const connect = async (): Promise<pg.PoolClient> => {
    try {
      return await pool.connect();
    } catch (error) {
      throw availability.noteFailure(error);
    }
  };

  const clientQueryable = (client: pg.PoolClient): Queryable => ({
    query: (sql, params) => timed(() => client.query(sql, params as unknown[] | undefined)),
  });

  return {
    kind: options.kind,
    location: options.location,
    query: (sql, params) => timed(() => pool.query(sql, params as unknown[] | undefined)),
    availability,
    async transaction(work) {
      const client = await connect();
      let broken = false;
      try {
        await timed(() => client.query('BEGIN'));
        const result = await work(clientQueryable(client));
        await timed(() => client.query('COMMIT'));
        availability.noteSuccess('write');
        return result;
      } catch (error) {
        // A rollback that fails too means the connection itself is gone.
        await client.query('ROLLBACK').catch(() => {
          broken = true;
        });
        throw availability.noteFailure(error);
      } finally {
        client.release(broken || undefined);
      }
    },
    async withClient(work) {
      const client = await connect();
      let broken = false;
      try {
        return await work(client);
      } catch (error) {
        broken = unavailabilityReason(error) !== undefined;
        throw availability.noteFailure(error);
      } finally {
        client.release(broken || undefined);
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      availability.close();
      await pool.end();
      await options.onClose?.();
    },
  };
}
