import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { createPoolDatabase, type Database } from './database.ts';
import { type AccessGate, startAccessGate } from './embedded-access-gate.ts';
import { StoreError } from './store-error.ts';

export interface EmbeddedDatabaseOptions {
  dataDir: string;
  onQuery?: (seconds: number, ok: boolean) => void;
  /** Told when a connection to the embedded database is refused (wrong or no password). */
  onRefused?: (reason: string) => void;
}

/** pg finds a server's Unix socket as `<host folder>/.s.PGSQL.<port>`. */
const socketPort = 5432;
const socketName = `.s.PGSQL.${socketPort}`;
/** Linux refuses Unix socket paths longer than 107 bytes. */
const longestSocketPath = 107;

/**
 * Starts PGlite on a folder and serves it on a Unix socket, so the rest of the service reaches
 * it through `pg` exactly as it reaches a PostgreSQL server: one code path, one set of SQL.
 * Only this process can connect: the socket sits in an owner-only folder, and every connection
 * must give a password made fresh for this start and known only to this process's pool.
 */
export async function openEmbeddedDatabase(options: EmbeddedDatabaseOptions): Promise<Database> {
  const dataDir = resolve(options.dataDir);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  // The folder holds every resident's data; other users of the machine have no business in it.
  chmodSync(dataDir, 0o700);
  const releaseLock = takeFolderLock(dataDir);

  let db: PGlite | undefined;
  let gate: AccessGate | undefined;
  let socketDir: { path: string; remove(): void } | undefined;
  try {
    db = await PGlite.create({ dataDir: join(dataDir, 'pgdata') });
    socketDir = privateSocketFolder(dataDir);
    const password = randomBytes(32).toString('base64url');
    // PGlite is one connection; the pool below holds one client so transactions never interleave.
    // The gate still admits a few sockets because pg-pool replaces a client that saw an error
    // by opening a new socket before the old one has been torn down on the server side.
    gate = await startAccessGate({
      db,
      socketPath: join(socketDir.path, socketName),
      password,
      maxConnections: 4,
      ...(options.onRefused ? { onRefused: options.onRefused } : {}),
    });
    const pool = new pg.Pool({
      host: socketDir.path,
      port: socketPort,
      user: 'postgres',
      password,
      database: 'postgres',
      max: 1,
      // Callers queue on the pool; a long transaction makes others wait rather than fail.
      connectionTimeoutMillis: 0,
    });
    pool.on('error', () => undefined);
    await pool.query('SELECT 1');
    const openedDb = db;
    const openedGate = gate;
    const openedSocketDir = socketDir;
    return createPoolDatabase({
      kind: 'embedded',
      location: dataDir,
      pool,
      ...(options.onQuery ? { onQuery: options.onQuery } : {}),
      async onClose() {
        await openedGate.stop();
        await openedDb.close();
        openedSocketDir.remove();
        releaseLock();
      },
    });
  } catch (error) {
    await gate?.stop().catch(() => undefined);
    await db?.close().catch(() => undefined);
    socketDir?.remove();
    releaseLock();
    if (error instanceof StoreError) throw error;
    throw new StoreError(`cannot open the embedded database in ${dataDir}: ${(error as Error).message}`);
  }
}

/**
 * The socket's folder: `<dataDir>/socket`, owner-only; when that path is too long for a Unix
 * socket (a deep data folder), a fresh owner-only folder under the system's temporary folder.
 */
function privateSocketFolder(dataDir: string): { path: string; remove(): void } {
  const inDataDir = join(dataDir, 'socket');
  if (join(inDataDir, socketName).length <= longestSocketPath) {
    mkdirSync(inDataDir, { recursive: true, mode: 0o700 });
    chmodSync(inDataDir, 0o700);
    return { path: inDataDir, remove: () => rmSync(join(inDataDir, socketName), { force: true }) };
  }
  const path = mkdtempSync(join(tmpdir(), 'parcelroom-db-'));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
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
