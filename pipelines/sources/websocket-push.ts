import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import { Subject } from 'rxjs';
import { type WebSocket, WebSocketServer } from 'ws';
import { type CameraSource, reconnectingSource } from './camera-source.ts';

export interface PushServerOptions {
  /** The HTTP server whose upgrades to `/cameras/<id>/push` are taken. */
  server: Server;
  /** Device tokens per camera id: an edge device pushes only the camera its token is for. */
  tokens: Record<string, string>;
  /** Largest accepted frame (default 4 MiB); a bigger message closes the connection. */
  maxFrameBytes?: number;
}

export interface PushServer {
  /** The source of one camera; frames arrive while its device is connected. */
  source(cameraId: string): CameraSource;
  close(): void;
}

const pathPattern = /^\/cameras\/([a-z0-9][a-z0-9-]{0,62})\/push$/;

const sameSecret = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/**
 * Edge devices push JPEG frames over WebSocket, one binary message per frame, to
 * `/cameras/<id>/push` with `Authorization: Bearer <token>`. One device per camera: a second
 * connection replaces the first. A message that is not a JPEG is counted and skipped; the
 * connection stays.
 */
export function startPushServer(options: PushServerOptions): PushServer {
  const maxFrameBytes = options.maxFrameBytes ?? 4 * 1024 * 1024;
  const wss = new WebSocketServer({ noServer: true, maxPayload: maxFrameBytes });
  const feeds = new Map<string, { frames: Subject<Buffer>; corrupt: Subject<number>; socket?: WebSocket }>();
  const feedOf = (cameraId: string) => {
    let feed = feeds.get(cameraId);
    if (!feed) {
      feed = { frames: new Subject<Buffer>(), corrupt: new Subject<number>() };
      feeds.set(cameraId, feed);
    }
    return feed;
  };

  const reject = (socket: import('node:stream').Duplex, status: number, text: string) => {
    socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  };
  const onUpgrade = (request: IncomingMessage, socket: import('node:stream').Duplex, head: Buffer) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const match = pathPattern.exec(url.pathname);
    if (!match) return; // Not ours: other upgrade handlers (the kiosk) may take it.
    const cameraId = match[1]!;
    const expected = options.tokens[cameraId];
    const given = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    if (!expected) return reject(socket, 404, 'Not Found');
    if (!given || !sameSecret(given, expected)) return reject(socket, 401, 'Unauthorized');
    wss.handleUpgrade(request, socket, head, (ws) => {
      const feed = feedOf(cameraId);
      feed.socket?.close(4000, 'replaced by a newer connection');
      feed.socket = ws;
      ws.on('message', (data, isBinary) => {
        const bytes = Buffer.isBuffer(data)
          ? data
          : Buffer.concat(Array.isArray(data) ? data : [Buffer.from(data)]);
        if (!isBinary || bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) feed.corrupt.next(1);
        else feed.frames.next(bytes);
      });
      // Oversized or malformed frames end the connection (ws closes it with 1009/1002); an
      // 'error' without a listener would take the process down.
      ws.on('error', () => feed.corrupt.next(1));
      ws.on('close', () => {
        if (feed.socket === ws) feed.socket = undefined;
      });
    });
  };
  options.server.on('upgrade', onUpgrade);

  return {
    source(cameraId) {
      if (!options.tokens[cameraId]) throw new RangeError(`no push token configured for camera ${cameraId}`);
      const feed = feedOf(cameraId);
      // The device connects to us: "reconnecting" here is waiting for it, the stream never ends.
      return reconnectingSource(cameraId, (signal, emit, corrupt) => {
        const frames = feed.frames.subscribe(emit);
        const bad = feed.corrupt.subscribe(corrupt);
        return new Promise<void>((resolve) =>
          signal.addEventListener(
            'abort',
            () => {
              frames.unsubscribe();
              bad.unsubscribe();
              resolve();
            },
            { once: true },
          ),
        );
      });
    },
    close() {
      options.server.off('upgrade', onUpgrade);
      for (const feed of feeds.values()) feed.socket?.close(1001, 'server closing');
      wss.close();
    },
  };
}
