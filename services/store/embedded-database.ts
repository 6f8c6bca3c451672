import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import pg from 'pg';
import { createPoolDatabase, type Database } from './database.ts';
import { StoreError } from './store-error.ts';

export interface EmbeddedDatabaseOptions {
  dataDir: string;
  onQuery?: (seconds: number, ok: boolean) => void;
}

/**
 * Starts PGlite on a folder and serves it on a loopback port, so the rest of the service reaches
 * it through `pg` exactly as it reaches a PostgreSQL server: one code path, one set of SQL.
 */
export async function openEmbeddedDatabase(options: EmbeddedDatabaseOptions): Promise<Database> {
  const dataDir = resolve(options.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const releaseLock = takeFolderLock(dataDir);

  let db: PGlite | undefined;
  let server: PGLiteSocketServer | undefined;
  try {
    db = await PGlite.create({ dataDir: join(dataDir, 'pgdata') });
    // PGlite is one connection; the pool below holds one client so transactions never interleave.
    // The server still admits a few sockets because pg-pool replaces a client that saw an error
    // by opening a new socket before the old one has been torn down on the server side.
    server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 4 });
    await server.start();
    const port = listeningPort(server);
    const pool = new pg.Pool({
      host: '127.0.0.1',
      port,
      user: 'postgres',
      database: 'postgres',
      max: 1,
      // Callers queue on the pool; a long transaction makes others wait rather than fail.
      connectionTimeoutMillis: 0,
    });
    pool.on('error', () => undefined);
    await pool.query('SELECT 1');
    const openedDb = db;
    const openedServer = server;
    return createPoolDatabase({
      kind: 'embedded',
      location: dataDir,
      pool,
      ...(options.onQuery ? { onQuery: options.onQuery } : {}),
      async onClose() {
        await openedServer.stop();
        await openedDb.close();
        releaseLock();
      },
    });
  } catch (error) {
    await server?.stop().catch(() => undefined);
    await db?.close().catch(() => undefined);
    releaseLock();
    if (error instanceof StoreError) throw error;
    throw new StoreError(`cannot open the embedded database in ${dataDir}: ${(error as Error).message}`);
  }
}

function listeningPort(server: PGLiteSocketServer): number {
  // With port 0 the server learns its port on listen; its connection string carries it.
  const conn = server.getServerConn();
  const port = Number.parseInt(conn.split(':').pop() ?? '', 10);
  if (!Number.isInteger(port) || port <= 0)
    throw new StoreError(`embedded database did not report its port (${conn})`);
  return port;
}

/**
 * Two processes opening one PGlite folder corrupt it, so the folder is locked by pid. A lock
 * left by a process that no longer runs is taken over.
 */
function takeFolderLock(dataDir: string): () => void {
  const lockFile = join(dataDir, 'parcelroom.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(lockFile, String(process.pid), { flag: 'wx' });
      return () => rmSync(lockFile, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number.parseInt(readFileSync(lockFile, 'utf8'), 10);
      if (Number.isInteger(holder) && holder !== process.pid && processIsAlive(holder)) {
        throw new StoreError(
          `the embedded database in ${dataDir} is in use by process ${holder}; stop it or set PARCELROOM_DATA_DIR to another folder`,
        );
      }
      rmSync(lockFile, { force: true });
    }
  }
  throw new StoreError(`cannot lock the embedded database folder ${dataDir}`);
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
