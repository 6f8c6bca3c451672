import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import pino from 'pino';
import { Registry } from 'prom-client';
import { Subject } from 'rxjs';
import WebSocket from 'ws';
import { loadLayoutFile, type RoomLayout } from '../../../calibration/index.ts';
import type { LocatorClient } from '../../../hw-controller/index.ts';
import type { LabelOcrEngines } from '../../../models/index.ts';
import type { BuildingAddress, PipelineObservation } from '../../../pipelines/index.ts';
import { roomRecordFromLayout } from '../../../services/app/index.ts';
import {
  createKioskPhotoUrls,
  createPickupCredentials,
  KioskServer,
  kioskRoutes,
  kioskSecrets,
  type LoginLimitSettings,
  type PickupCredentials,
  type ServerMessage,
} from '../../../services/kiosk/index.ts';
import { type Clock, RoomLedgerService } from '../../../services/ledger-service/index.ts';
import { RoomHardware } from '../../../services/room-hardware/index.ts';
import { type FirstStartSecrets, seedDemoData } from '../../../services/seed/index.ts';
import {
  createLedgerRepository,
  createStore,
  type Database,
  migrateToLatest,
  openDatabase,
  type Store,
} from '../../../services/store/index.ts';
import { createScratchDatabase, type ScratchDatabase } from '../../support/databases.ts';

export const deviceToken = 'test-kiosk-token-0123456789abcdef';
export const otherDeviceToken = 'other-kiosk-token-0123456789abcdef';
export const secret = 'kiosk-test-secret-0123456789abcdef0123456789';

/** A movable clock for the ledger, so timeouts can be crossed without waiting. */
export class TestClock implements Clock {
  constructor(public ms = Date.now()) {}
  now() {
    return this.ms;
  }
}

export interface KioskWorld {
  scratch: ScratchDatabase;
  db: Database;
  store: Store;
  layout: RoomLayout;
  seeded: FirstStartSecrets;
  credentials: PickupCredentials;
  observations: Subject<PipelineObservation>;
  ledger: RoomLedgerService;
  kiosk: KioskServer;
  server: Server;
  url: string;
  wsUrl: string;
  clock: TestClock;
  /** The kiosk server's metrics. */
  registry: Registry;
  close(): Promise<void>;
  /** Stops the servers and closes the database but keeps it (for a restart with `reuse`). */
  stop(): Promise<void>;
}

export interface WorldOptions {
  locator?: LocatorClient;
  ocrEngines?: Promise<LabelOcrEngines>;
  building?: BuildingAddress;
  limits?: LoginLimitSettings;
  demoDevice?: boolean;
  /** Seed couriers as an older release did: no keyed lookups, RFID tags in clear. */
  legacyCouriers?: boolean;
  /** An existing database (a restart): nothing is created, seeded or dropped. */
  reuse?: { scratch: ScratchDatabase; seeded: FirstStartSecrets };
}

/** The kiosk server over a fresh PostgreSQL database with the demo room and people. */
export async function openKioskWorld(options: WorldOptions = {}): Promise<KioskWorld> {
  const scratch = options.reuse?.scratch ?? (await createScratchDatabase());
  const db = await openDatabase({ url: scratch.url, dataDir: 'unused', poolSize: 4 });
  const logger = pino({ level: 'silent' });
  await migrateToLatest(db, logger);
  const store = createStore(db);
  const layout = await loadLayoutFile('calibration/rooms/demo-room.yaml');
  await store.rooms.sync(roomRecordFromLayout(layout));
  const credentials = createPickupCredentials(db, { secret });
  const seeded =
    options.reuse?.seeded ??
    (
      await seedDemoData(store, {
        demoPeople: true,
        ...(options.legacyCouriers ? {} : { keyedHash: credentials.keyedHash }),
      })
    ).secrets!;
  const { devices } = await kioskSecrets(db, {
    ...(options.demoDevice ? {} : { devices: `kiosk-1:${deviceToken},kiosk-2:${otherDeviceToken}` }),
    secret,
  });
  const observations = new Subject<PipelineObservation>();
  const clock = new TestClock();
  const ledger = await RoomLedgerService.start({
    roomId: layout.room.id,
    repository: createLedgerRepository(db, { pickupCredentials: credentials }),
    observations$: observations,
    clock,
    tickIntervalMs: 0,
  });
  const photoUrls = createKioskPhotoUrls(secret);
  const app = express();
  app.use(kioskRoutes({ db, devices, photoUrls }));
  const server = createServer(app);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const registry = new Registry();
  const hardware = new RoomHardware({ ledger, layout, locator: options.locator, logger, registry });
  const kiosk = new KioskServer({
    server,
    roomId: layout.room.id,
    layout,
    db,
    ledger,
    devices,
    credentials,
    photoUrls,
    ocrEngines: options.ocrEngines,
    building: options.building,
    hardware,
    ...(options.limits ? { limits: options.limits } : {}),
    helloTimeoutMs: 1000,
    logger,
    registry,
  });
  const stop = async () => {
    await kiosk.close();
    await ledger.stop();
    hardware.stop();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await db.close();
  };
  return {
    scratch,
    db,
    store,
    layout,
    seeded,
    credentials,
    observations,
    ledger,
    kiosk,
    server,
    clock,
    registry,
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/kiosk/ws`,
    stop,
    async close() {
      await stop();
      await scratch.drop();
    },
  };
}

/** A kiosk page's socket: `request` resolves with the reply, `next` with the next pushed message of a type. */
export class KioskClient {
  readonly received: ServerMessage[] = [];
  private waiters: Array<{ match: (m: ServerMessage) => boolean; resolve: (m: ServerMessage) => void }> = [];
  private counter = 0;
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const message = JSON.parse(String(data)) as ServerMessage;
      this.received.push(message);
      const i = this.waiters.findIndex((w) => w.match(message));
      if (i >= 0) this.waiters.splice(i, 1)[0]!.resolve(message);
    });
    this.closed = new Promise((resolve) =>
      ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })),
    );
  }

  static async connect(url: string): Promise<KioskClient> {
    const ws = new WebSocket(url);
    await once(ws, 'open');
    return new KioskClient(ws);
  }

  static async authenticated(url: string, deviceId = 'kiosk-1', token = deviceToken): Promise<KioskClient> {
    const client = await KioskClient.connect(url);
    const welcome = await client.request({ type: 'hello', protocol: 1, deviceId, token });
    if (welcome.type !== 'welcome') throw new Error(`hello refused: ${JSON.stringify(welcome)}`);
    return client;
  }

  /** Sends a message with a fresh id and resolves with the reply naming it. */
  request(message: Record<string, unknown>): Promise<ServerMessage> {
    const id = `m${++this.counter}`;
    const reply = this.wait((m) => m.replyTo === id);
    this.ws.send(JSON.stringify({ ...message, id }));
    return reply;
  }

  /** Sends raw text (malformed messages) with no id handling. */
  sendRaw(text: string): void {
    this.ws.send(text);
  }

  /** The next message of this type pushed from now on, or one already received and not yet taken. */
  next<T extends ServerMessage['type']>(type: T, since = 0): Promise<Extract<ServerMessage, { type: T }>> {
    const seen = this.received.slice(since).find((m) => m.type === type && m.replyTo === undefined);
    if (seen) return Promise.resolve(seen as Extract<ServerMessage, { type: T }>);
    return this.wait((m) => m.type === type && m.replyTo === undefined) as Promise<
      Extract<ServerMessage, { type: T }>
    >;
  }

  // A deadline, not a pace: a label read on a machine at load 15 takes many times its quiet second.
  wait(match: (m: ServerMessage) => boolean, timeoutMs = 90_000): Promise<ServerMessage> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no such kiosk message in time')), timeoutMs);
      this.waiters.push({
        match,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      });
    });
  }

  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    this.ws.close();
    await this.closed;
  }
}

/** An `appeared` or `vanished` observation as the room pipeline emits it. */
export function observation(
  kind: 'appeared' | 'vanished',
  slotId: string,
  cropJpeg?: Buffer,
): PipelineObservation {
  return {
    kind,
    slotId,
    slots: [slotId],
    cameraId: 'cam-1',
    box: { x: 100, y: 100, width: 80, height: 60 },
    confidence: 0.9,
    timeMs: Date.now(),
    alsoSeenBy: [],
    ...(cropJpeg ? { evidence: { frameJpeg: cropJpeg, cropJpeg } } : {}),
  } as PipelineObservation;
}
