import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/**
 * The PostgreSQL server tests use: PARCELROOM_TEST_DATABASE_URL, else DATABASE_URL, else the
 * local trust-auth server. Tests never run against a database they did not create.
 */
export function adminDatabaseUrl(): string {
  return (
    process.env.PARCELROOM_TEST_DATABASE_URL ??
    process.env.DATABASE_URL ??
    'postgres://postgres@127.0.0.1:5432/postgres'
  );
}

export interface ScratchDatabase {
  url: string;
  drop(): Promise<void>;
}

/** A fresh, empty database on the real server, dropped afterwards. */
export async function createScratchDatabase(): Promise<ScratchDatabase> {
  const name = `parcelroom_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminDatabaseUrl() });
  try {
    await admin.connect();
  } catch (error) {
    throw new Error(
      `tests need a PostgreSQL server at ${adminDatabaseUrl()} (set PARCELROOM_TEST_DATABASE_URL): ${(error as Error).message}`,
    );
  }
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminDatabaseUrl());
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: adminDatabaseUrl() });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

/** A temporary folder for an embedded database, removed afterwards. */
export function createScratchFolder(prefix = 'parcelroom-test-'): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export type BackendKind = 'server' | 'embedded';

export interface ScratchBackend {
  kind: BackendKind;
  settings: { url?: string; dataDir: string; poolSize: number };
  dispose(): Promise<void>;
}

/** Database settings for one backend, so a suite can run the same tests against both. */
export async function createScratchBackend(kind: BackendKind): Promise<ScratchBackend> {
  const folder = createScratchFolder();
  if (kind === 'embedded') {
    return {
      kind,
      settings: { dataDir: join(folder.path, 'pglite'), poolSize: 4 },
      dispose: async () => folder.remove(),
    };
  }
  const database = await createScratchDatabase();
  return {
    kind,
    settings: { url: database.url, dataDir: join(folder.path, 'unused'), poolSize: 4 },
    async dispose() {
      await database.drop();
      folder.remove();
    },
  };
}
