import { randomBytes } from 'node:crypto';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { z } from 'zod';
import { controlPanelRoutes } from '../control-panel/control-panel-routes.ts';
import { LiveCommandError } from '../live-scene.ts';
import { type GroundTruthBox, type PersonBox, packageKinds } from '../scene.ts';
import { type LocatorCommand, type SimulatedRoom, SimulatorCommandError } from '../simulated-room.ts';

export interface SimulatorServerOptions {
  room: SimulatedRoom;
  fps?: number;
  host?: string;
  port?: number;
  /** Story time now, ms; wall-clock time since start by default. */
  clock?: () => number;
  /** Links the control panel at `/demo` shows (the kiosk, the staff pages), by label. */
  panelLinks?: () => Record<string, string>;
}

export interface SimulatorServer {
  url: string;
  port: number;
  /** Frames sent and frames skipped for slow clients, per camera. */
  stats(): Record<string, { rendered: number; sent: number; dropped: number; clients: number }>;
  close(): Promise<void>;
}

interface LatestFrame {
  frameIndex: number;
  revision: number;
  timeMs: number;
  jpeg: Buffer;
  boxes: GroundTruthBox[];
  people: PersonBox[];
  laserDot?: { x: number; y: number } | undefined;
}

/** Beyond this much unsent data a client is behind: newer frames replace what it has not taken. */
const maxBacklogBytes = 512 * 1024;

const locatorCommandSchema = z.discriminatedUnion(
  'type',
  [
    z
      .object({
        type: z.literal('aim'),
        panDeg: z.number().min(-180).max(180),
        tiltDeg: z.number().min(-90).max(90),
      })
      .strict(),
    z.object({ type: z.literal('aim-slot'), slotId: z.string().min(1) }).strict(),
    z.object({ type: z.literal('laser'), on: z.boolean() }).strict(),
    z.object({ type: z.literal('strobe'), zoneId: z.string().min(1), on: z.boolean() }).strict(),
    z.object({ type: z.literal('off') }).strict(),
  ],
  { error: 'type must be one of aim, aim-slot, laser, strobe, off' },
);

const placeCommandSchema = z
  .object({
    /** A free slot is chosen at random when absent. */
    slotId: z.string().min(1).optional(),
    packageId: z
      .string()
      .regex(/^[\w.:-]{1,64}$/, 'must be 1–64 letters, digits, or . _ : -')
      .optional(),
    kind: z.enum(packageKinds).optional(),
    registered: z.boolean().optional(),
  })
  .strict();
const takeCommandSchema = z.object({ slotId: z.string().min(1) }).strict();

/**
 * Serves the simulated room the way IP cameras do: one MJPEG stream and one snapshot URL per
 * camera, plus the ground truth of the latest frame and a locator control endpoint. A camera
 * renders only while someone watches it, once per tick for all its watchers.
 */
export async function startSimulatorServer(options: SimulatorServerOptions): Promise<SimulatorServer> {
  const { room } = options;
  const fps = options.fps ?? 10;
  const startedAt = Date.now();
  const clock = options.clock ?? (() => Date.now() - startedAt);
  const boundary = `parcelroom-${randomBytes(6).toString('hex')}`;
  const clients = new Map<string, Set<ServerResponse>>(room.cameraIds.map((id) => [id, new Set()]));
  const latest = new Map<string, LatestFrame>();
  const counters = new Map(room.cameraIds.map((id) => [id, { rendered: 0, sent: 0, dropped: 0 }]));
  const rendering = new Set<string>();

  const renderLatest = async (cameraId: string): Promise<LatestFrame | undefined> => {
    const timeMs = clock();
    const frameIndex = Math.floor(timeMs / (1000 / fps));
    const cached = latest.get(cameraId);
    if (cached && cached.frameIndex === frameIndex && cached.revision === room.revision) return cached;
    if (!room.isOnline(cameraId, timeMs)) return undefined;
    const revision = room.revision;
    const { frame, jpeg } = await room.renderJpeg(cameraId, timeMs, frameIndex);
    counters.get(cameraId)!.rendered++;
    const result: LatestFrame = {
      frameIndex,
      revision,
      timeMs,
      jpeg,
      boxes: frame.boxes,
      people: frame.people,
      laserDot: frame.laserDot,
    };
    latest.set(cameraId, result);
    return result;
  };

  const tick = async () => {
    for (const [cameraId, watchers] of clients) {
      if (watchers.size === 0 || rendering.has(cameraId)) continue;
      rendering.add(cameraId);
      try {
        const frame = await renderLatest(cameraId);
        if (!frame) {
          // A camera that drops out drops its connections, as a real one does.
          for (const res of watchers) res.destroy();
          watchers.clear();
          continue;
        }
        const head = Buffer.from(
          `--${boundary}\r\nContent-Type: image/jpeg\r\nContent-Length: ${frame.jpeg.length}\r\nX-Frame-Index: ${frame.frameIndex}\r\n\r\n`,
        );
        for (const res of watchers) {
          if (res.writableLength > maxBacklogBytes) {
            counters.get(cameraId)!.dropped++;
            continue;
          }
          res.write(head);
          res.write(frame.jpeg);
          res.write('\r\n');
          counters.get(cameraId)!.sent++;
        }
      } finally {
        rendering.delete(cameraId);
      }
    }
  };
  const timer = setInterval(() => void tick(), 1000 / fps);

  const app = express();
  app.disable('x-powered-by');
  app.use(express.json({ limit: '16kb' }));

  const cameraParam = (id: string) => {
    if (!clients.has(id)) throw new SimulatorCommandError(`no camera ${id} in this room`);
    return id;
  };

  app.get('/cameras', (_req, res) => {
    res.json({
      cameras: room.layout.cameras.map((c) => ({
        id: c.id,
        name: c.name,
        width: c.resolution.width,
        height: c.resolution.height,
        fps,
        stream: `/cameras/${c.id}/stream.mjpeg`,
        snapshot: `/cameras/${c.id}/snapshot.jpg`,
        online: room.isOnline(c.id, clock()),
      })),
    });
  });

  app.get('/cameras/:id/stream.mjpeg', (req, res) => {
    const id = cameraParam(req.params.id);
    if (!room.isOnline(id, clock())) {
      res.status(503).json({ error: { code: 'camera_offline', message: `camera ${id} is offline` } });
      return;
    }
    res.writeHead(200, {
      'Content-Type': `multipart/x-mixed-replace; boundary=${boundary}`,
      'Cache-Control': 'no-cache, no-store, must-revalidate',
      Pragma: 'no-cache',
      Connection: 'close',
    });
    res.socket?.setNoDelay(true);
    clients.get(id)!.add(res);
    res.on('close', () => clients.get(id)!.delete(res));
  });

  app.get('/cameras/:id/snapshot.jpg', async (req, res) => {
    const id = cameraParam(req.params.id);
    const frame = await renderLatest(id);
    if (!frame) {
      res.status(503).json({ error: { code: 'camera_offline', message: `camera ${id} is offline` } });
      return;
    }
    res
      .set({
        'Content-Type': 'image/jpeg',
        'Cache-Control': 'no-store',
        'X-Frame-Index': String(frame.frameIndex),
      })
      .send(frame.jpeg);
  });

  app.get('/cameras/:id/truth', async (req, res) => {
    const id = cameraParam(req.params.id);
    const frame = await renderLatest(id);
    if (!frame) {
      res.status(503).json({ error: { code: 'camera_offline', message: `camera ${id} is offline` } });
      return;
    }
    res.json({
      cameraId: id,
      frameIndex: frame.frameIndex,
      timeMs: frame.timeMs,
      boxes: frame.boxes,
      people: frame.people,
      laserDot: frame.laserDot ?? null,
    });
  });

  app.get('/truth', (_req, res) => {
    const timeMs = clock();
    res.json({ timeMs, storyMs: room.storyTime(timeMs), ...room.truthAt(timeMs) });
  });

  app.get('/locator', (_req, res) => {
    res.json(room.locatorState(clock()));
  });

  app.post('/locator', (req, res) => {
    const command = locatorCommandSchema.parse(req.body) as LocatorCommand;
    res.json(room.command(command, clock()));
  });

  app.get('/scene', (_req, res) => {
    const timeMs = clock();
    res.json({ timeMs, freeSlots: room.freeSlots(timeMs), ...room.truthAt(timeMs) });
  });

  app.post('/scene/place', (req, res) => {
    const command = placeCommandSchema.parse(req.body ?? {});
    const timeMs = clock();
    let slotId = command.slotId;
    if (!slotId) {
      const free = room.freeSlots(timeMs);
      if (free.length === 0)
        throw new LiveCommandError('slot_occupied', 'every slot is full; take a package first');
      slotId = free[Math.floor(Math.random() * free.length)]!;
    }
    res.status(202).json(
      room.place(slotId, timeMs, {
        packageId: command.packageId,
        kind: command.kind,
        registered: command.registered,
      }),
    );
  });

  app.post('/scene/take', (req, res) => {
    const command = takeCommandSchema.parse(req.body ?? {});
    res.status(202).json(room.take(command.slotId, clock()));
  });

  app.use(controlPanelRoutes({ links: options.panelLinks ?? (() => ({})) }));

  app.use((_req, res) => {
    res
      .status(404)
      .json({ error: { code: 'not_found', message: 'see GET /cameras for what this simulator serves' } });
  });
  app.use((error: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    if (error instanceof z.ZodError) {
      const issue = error.issues[0]!;
      res.status(400).json({
        error: { code: 'invalid_command', message: `${issue.path.join('.') || 'body'}: ${issue.message}` },
      });
    } else if (error instanceof LiveCommandError) {
      res
        .status(error.code === 'unknown_slot' ? 404 : 409)
        .json({ error: { code: error.code, message: error.message } });
    } else if (error instanceof SimulatorCommandError) {
      res.status(404).json({ error: { code: 'unknown_target', message: error.message } });
    } else if ((error as { type?: string }).type === 'entity.parse.failed') {
      res.status(400).json({ error: { code: 'malformed_json', message: 'request body is not valid JSON' } });
    } else {
      res.status(500).json({ error: { code: 'internal', message: 'simulator error' } });
    }
  });

  const server: Server = createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host ?? '127.0.0.1';

  return {
    url: `http://${host}:${port}`,
    port,
    stats: () =>
      Object.fromEntries([...counters].map(([id, c]) => [id, { ...c, clients: clients.get(id)!.size }])),
    async close() {
      clearInterval(timer);
      for (const watchers of clients.values()) for (const res of watchers) res.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
