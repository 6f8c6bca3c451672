import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * A PostgreSQL server of the test's own, in a temporary folder, that the test may stop, start
 * and break: the machine's shared server is never touched. PostgreSQL refuses to run as root, so
 * as root (CI) the cluster belongs to the `postgres` system user and its tools run as that user.
 */
export interface PrivatePostgres {
  port: number;
  /** A connection string to `database` on this server. */
  url(database?: string): string;
  /** Stops the server: `fast` rolls back open transactions, `immediate` is a crash. */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  start(): Promise<void>;
  /** Stops the server (if running) and removes its folder. */
  remove(): Promise<void>;
}

function binDir(): string {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) throw new Error('PostgreSQL server binaries not found in /usr/lib/postgresql');
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a));
  if (!versions[0]) throw new Error('no PostgreSQL version with pg_ctl in /usr/lib/postgresql');
  return join(root, versions[0], 'bin');
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = binDir();
  const asRoot = userInfo().uid === 0;
  const folder = mkdtempSync(join(tmpdir(), 'parcelroom-pg-'));
  const dataDir = join(folder, 'data');
  const socketDir = folder;
  if (asRoot) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    chownSync(folder, Number(stdout.trim()), Number(gid.trim()));
  }
  const tool = (name: string, args: string[]) =>
    asRoot
      ? run('runuser', ['-u', 'postgres', '--', join(bin, name), ...args], { cwd: folder })
      : run(join(bin, name), args, { cwd: folder });

  await tool('initdb', ['-D', dataDir, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
  const port = await freePort();
  const options = `-p ${port} -k ${socketDir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off`;
  const start = async () => {
    await tool('pg_ctl', [
      '-D',
      dataDir,
      '-o',
      options,
      '-l',
      join(folder, 'server.log'),
      '-w',
      '-t',
      '120',
      'start',
    ]);
  };
  let running = false;
  await start();
  running = true;
  return {
    port,
    url: (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`,
    async stop(mode = 'fast') {
      await tool('pg_ctl', ['-D', dataDir, '-m', mode, '-w', '-t', '120', 'stop']);
      running = false;
    },
    async start() {
      await start();
      running = true;
    },
    async remove() {
      if (running)
        await tool('pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
      running = false;
      rmSync(folder, { recursive: true, force: true });
    },
  };
}
