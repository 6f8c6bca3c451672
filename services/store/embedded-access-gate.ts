import { createHash, timingSafeEqual } from 'node:crypto';
import { chmodSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import type { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketHandler, PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { StoreError } from './store-error.ts';

// PostgreSQL wire protocol codes of the messages a client sends before it is authenticated.
const protocolVersion3 = 196_608;
const sslRequestCode = 80_877_103;
const gssEncRequestCode = 80_877_104;
const cancelRequestCode = 80_877_102;
/** No real startup message comes near this; a larger one is a client we do not want. */
const largestStartupBytes = 10_000;

export interface AccessGateOptions {
  db: PGlite;
  /** The Unix socket to listen on; it is made owner-only once bound. */
  socketPath: string;
  /** The password every connection must give; made fresh for each start. */
  password: string;
  /** Authenticated connections at once (pg-pool may open a new socket before the old one closes). */
  maxConnections: number;
  /** How long a client may take to authenticate before it is dropped. */
  handshakeTimeoutMs?: number;
  /** Told about each refused connection, for the log. */
  onRefused?: (reason: string) => void;
}

export interface AccessGate {
  stop(): Promise<void>;
}

/**
 * PGlite trusts whoever connects: `@electric-sql/pglite-socket` has no authentication (0.2.x),
 * and PGlite answers a startup message with "authentication ok" whatever it says. So this gate
 * stands in front of it: it runs the startup handshake itself, asks for the per-start password
 * (cleartext: the password goes over a Unix socket to this same process, never over a wire), and
 * only then hands the socket with the client's startup message to pglite-socket's own connection
 * handler, which queues its queries on the library's shared, transaction-aware queue.
 */
export async function startAccessGate(options: AccessGateOptions): Promise<AccessGate> {
  const queryQueue = libraryQueryQueue(options.db);
  const expected = digest(options.password);
  const handshakeTimeoutMs = options.handshakeTimeoutMs ?? 30_000;
  const handlers = new Set<PGLiteSocketHandler>();
  const sockets = new Set<Socket>();
  let stopping = false;

  const refuse = (socket: Socket, reason: string, error?: { code: string; message: string }) => {
    options.onRefused?.(reason);
    if (error && socket.writable) socket.end(errorResponse(error.code, error.message));
    else socket.end();
    socket.destroySoon();
  };

  const admit = async (socket: Socket, replay: Buffer) => {
    if (stopping || handlers.size >= options.maxConnections) {
      refuse(socket, 'too many connections', { code: '53300', message: 'too many connections' });
      return;
    }
    const handler = new PGLiteSocketHandler({ queryQueue, closeOnDetach: true });
    handlers.add(handler);
    const forget = () => handlers.delete(handler);
    handler.addEventListener('close', forget);
    handler.addEventListener('error', forget);
    // The handler listens for 'data' itself; the startup message it must see first is put back.
    socket.pause();
    socket.unshift(replay);
    await handler.attach(socket);
    socket.resume();
  };

  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let buffer = Buffer.alloc(0);
    let startup: Buffer | undefined;
    const timer = setTimeout(() => refuse(socket, 'no password in time'), handshakeTimeoutMs);
    const onData = (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      while (true) {
        if (!startup) {
          if (buffer.length < 8) return;
          const length = buffer.readInt32BE(0);
          const code = buffer.readInt32BE(4);
          if (length === 8 && (code === sslRequestCode || code === gssEncRequestCode)) {
            // No TLS on a local socket: the client carries on in the clear, as libpq does.
            socket.write('N');
            buffer = buffer.subarray(8);
            continue;
          }
          if (code === cancelRequestCode) {
            clearTimeout(timer);
            refuse(socket, 'cancel request (not supported)');
            return;
          }
          if (code !== protocolVersion3 || length < 8 || length > largestStartupBytes) {
            clearTimeout(timer);
            refuse(socket, 'not a PostgreSQL 3.0 startup message', {
              code: '08P01',
              message: 'unsupported startup message',
            });
            return;
          }
          if (buffer.length < length) return;
          startup = Buffer.from(buffer.subarray(0, length));
          buffer = buffer.subarray(length);
          socket.write(authenticationCleartextPassword());
          continue;
        }
        if (buffer.length < 5) return;
        const length = buffer.readInt32BE(1);
        if (buffer[0] !== 0x70 /* 'p' */ || length < 5 || length > largestStartupBytes) {
          clearTimeout(timer);
          refuse(socket, 'sent no password', { code: '28P01', message: passwordFailed(startup) });
          return;
        }
        if (buffer.length < 1 + length) return;
        const given = buffer.subarray(5, length).toString('utf8'); // `length` counts the 4 length bytes
        const rest = buffer.subarray(1 + length);
        clearTimeout(timer);
        socket.off('data', onData);
        if (!timingSafeEqual(digest(given), expected)) {
          refuse(socket, 'wrong password', { code: '28P01', message: passwordFailed(startup) });
          return;
        }
        admit(socket, Buffer.concat([startup, rest])).catch(() => socket.destroy());
        return;
      }
    };
    socket.on('data', onData);
  });

  // A socket file left by a crashed start would make listen fail; the folder lock says it is ours.
  rmSync(options.socketPath, { force: true });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.socketPath, () => {
      server.off('error', reject);
      resolve();
    });
  });
  try {
    chmodSync(options.socketPath, 0o600);
  } catch (error) {
    server.close();
    throw new StoreError(
      `cannot make the embedded database socket ${options.socketPath} owner-only: ${(error as Error).message}`,
    );
  }

  return {
    async stop() {
      stopping = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.all([...handlers].map((handler) => handler.detach(true)));
      handlers.clear();
      for (const socket of sockets) socket.destroy();
      await closed;
      rmSync(options.socketPath, { force: true });
    },
  };
}

type QueryQueue = ConstructorParameters<typeof PGLiteSocketHandler>[0]['queryQueue'];

/**
 * pglite-socket exports its connection handler but not the query queue the handler needs; the
 * library's server makes one in its constructor (without listening), so it is taken from there.
 * If a new version moves it, opening the store fails here rather than misbehaving later.
 */
function libraryQueryQueue(db: PGlite): QueryQueue {
  const queue = (new PGLiteSocketServer({ db }) as unknown as { queryQueue?: QueryQueue }).queryQueue;
  if (typeof (queue as { enqueue?: unknown } | undefined)?.enqueue !== 'function')
    throw new StoreError(
      'the installed @electric-sql/pglite-socket has no query queue where Parcelroom expects it; install the version package-lock.json names',
    );
  return queue!;
}

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

function authenticationCleartextPassword(): Buffer {
  const message = Buffer.alloc(9);
  message.write('R', 0);
  message.writeInt32BE(8, 1);
  message.writeInt32BE(3, 5);
  return message;
}

function passwordFailed(startup: Buffer): string {
  return `password authentication failed for user "${startupParameter(startup, 'user') ?? ''}"`;
}

function startupParameter(startup: Buffer, name: string): string | undefined {
  const fields = startup.subarray(8).toString('utf8').split('\0');
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === name) return fields[i + 1];
  return undefined;
}

function errorResponse(code: string, message: string): Buffer {
  const fields = Buffer.from(`SFATAL\0VFATAL\0C${code}\0M${message}\0\0`, 'utf8');
  const header = Buffer.alloc(5);
  header.write('E', 0);
  header.writeInt32BE(4 + fields.length, 1);
  return Buffer.concat([header, fields]);
}
