import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { type Database, openDatabase } from '../../services/store/index.ts';
import { createScratchFolder } from '../support/databases.ts';

/** Inodes of the TCP sockets this process listens on, from /proc (IPv4 and IPv6). */
function listeningTcpInodes(): Set<string> {
  const own = new Set(
    readdirSync('/proc/self/fd')
      .map((fd) => {
        try {
          return /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`))?.[1];
        } catch {
          return undefined;
        }
      })
      .filter((inode): inode is string => inode !== undefined),
  );
  const listening = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!existsSync(table)) continue;
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const columns = line.trim().split(/\s+/);
      // Column 3 is the state (0A = LISTEN), column 9 the inode.
      if (columns[3] === '0A' && own.has(columns[9]!)) listening.add(columns[9]!);
    }
  }
  return listening;
}

function startupMessage(user: string): Buffer {
  const body = Buffer.from(`user\0${user}\0database\0postgres\0\0`, 'utf8');
  const message = Buffer.alloc(8 + body.length);
  message.writeInt32BE(message.length, 0);
  message.writeInt32BE(196_608, 4);
  body.copy(message, 8);
  return message;
}

function queryMessage(sql: string): Buffer {
  const text = Buffer.from(`${sql}\0`, 'utf8');
  const header = Buffer.alloc(5);
  header.write('Q', 0);
  header.writeInt32BE(4 + text.length, 1);
  return Buffer.concat([header, text]);
}

/** Message type letters in the order the server sent them, until it closes the socket. */
async function serverReplies(socketPath: string, send: Buffer): Promise<{ types: string[]; text: string }> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(socketPath);
    const chunks: Buffer[] = [];
    socket.on('connect', () => socket.write(send));
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const all = Buffer.concat(chunks);
      const types: string[] = [];
      for (let at = 0; at + 5 <= all.length; at += 1 + all.readInt32BE(at + 1))
        types.push(String.fromCharCode(all[at]!));
      resolve({ types, text: all.toString('latin1') });
    });
  });
}

describe('embedded database access', { timeout: 120_000 }, () => {
  let folder: ReturnType<typeof createScratchFolder>;
  let db: Database;
  let dataDir: string;
  let socketPath: string;
  let tcpBefore: Set<string>;
  const refusals: string[] = [];

  before(async () => {
    folder = createScratchFolder('parcelroom-access-');
    dataDir = join(folder.path, 'pglite');
    tcpBefore = listeningTcpInodes();
    db = await openDatabase({ dataDir, poolSize: 4 }, undefined, {
      onRefused: (reason) => refusals.push(reason),
    });
    socketPath = join(dataDir, 'socket', '.s.PGSQL.5432');
    // What a local attacker would be after: the table the kiosk and photo-link keys live in.
    await db.query('CREATE TABLE secrets_probe (value text)');
    await db.query("INSERT INTO secrets_probe VALUES ('kiosk-secret')");
  });

  after(async () => {
    await db?.close();
    folder?.remove();
  });

  test('opens no TCP port that another process could find', () => {
    const added = [...listeningTcpInodes()].filter((inode) => !tcpBefore.has(inode));
    assert.deepEqual(added, [], 'the embedded database listens on a TCP port');
  });

  test('keeps the data folder and the socket owner-only', () => {
    assert.equal(statSync(dataDir).mode & 0o777, 0o700);
    assert.equal(statSync(join(dataDir, 'socket')).mode & 0o777, 0o700);
    const socket = statSync(socketPath);
    assert.ok(socket.isSocket());
    assert.equal(socket.mode & 0o777, 0o600);
  });

  test('refuses a client on the socket whatever password it gives, while the service pool keeps working', async () => {
    // Tests run as root, who passes any permission check: the per-start password is what stops it.
    for (const password of ['', 'postgres', 'trust', 'kiosk-secret', 'x'.repeat(43)]) {
      const client = new pg.Client({
        host: join(dataDir, 'socket'),
        port: 5432,
        user: 'postgres',
        password,
        database: 'postgres',
      });
      client.on('error', () => undefined);
      await assert.rejects(
        client.connect(),
        (error: { code?: string; message: string }) => {
          assert.equal(error.code, '28P01', error.message);
          assert.match(error.message, /password authentication failed/);
          return true;
        },
        `password ${JSON.stringify(password)} was accepted`,
      );
      await client.end().catch(() => undefined);
      const { rows } = await db.query<{ value: string }>('SELECT value FROM secrets_probe');
      assert.deepEqual(rows, [{ value: 'kiosk-secret' }]);
    }
    assert.ok(refusals.filter((reason) => reason === 'wrong password').length >= 5, refusals.join(', '));
  });

  test('answers a client that sends a query instead of a password with an error and no rows', async () => {
    const replies = await serverReplies(
      socketPath,
      Buffer.concat([startupMessage('postgres'), queryMessage('SELECT value FROM secrets_probe')]),
    );
    // An authentication request, then the refusal: no row description, no data row.
    assert.deepEqual(replies.types, ['R', 'E']);
    assert.ok(!replies.text.includes('kiosk-secret'));
    assert.match(replies.text, /28P01/);
  });

  test('serves transactions through its own pool after refusing others', async () => {
    await db.transaction(async (tx) => {
      await tx.query("INSERT INTO secrets_probe VALUES ('second')");
    });
    const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM secrets_probe');
    assert.equal(rows[0]!.n, 2);
  });
});
