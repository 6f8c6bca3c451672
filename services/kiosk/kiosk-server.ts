import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Subscription } from 'rxjs';
import { type WebSocket, WebSocketServer } from 'ws';
import type { RoomLayout } from '../../calibration/index.ts';
import type { LabelOcrEngines } from '../../models/index.ts';
import type { BuildingAddress } from '../../pipelines/index.ts';
import type { KioskMessage } from '../ledger/index.ts';
import type { RoomLedgerService } from '../ledger-service/index.ts';
import type { Logger } from '../logging/index.ts';
import type { RoomHardware } from '../room-hardware/index.ts';
import { type Database, unavailabilityReason } from '../store/index.ts';
import { type CourierCredentials, createCourierCredentials } from './courier-credentials.ts';
import { CourierFlow } from './courier-flow.ts';
import type { KioskDeviceRegistry } from './kiosk-devices.ts';
import { KioskDoor } from './kiosk-door.ts';
import type { KioskFlowContext } from './kiosk-flow-context.ts';
import { KioskLoginGuard } from './kiosk-login-guard.ts';
import {
  type ClientMessage,
  closeCodes,
  KioskProtocolError,
  kioskProtocolVersion,
  kioskWsPath,
  maxFrameBytes,
  parseClientMessage,
  type ServerMessage,
  type SessionView,
} from './kiosk-protocol.ts';
import { errorMessage, replyTo } from './kiosk-replies.ts';
import { createKioskRepository } from './kiosk-repository.ts';
import type { KioskPhotoUrls } from './kiosk-routes.ts';
import { type Device, KioskSessions } from './kiosk-sessions.ts';
import { defaultLoginLimits, type LoginLimitSettings } from './login-backoff.ts';
import type { PickupCredentials } from './pickup-credentials.ts';
import { ResidentFlow } from './resident-flow.ts';

export interface KioskServerOptions {
  /** The service's HTTP server: the kiosk socket is at `/kiosk/ws` on it. */
  server: Server;
  roomId: string;
  layout: RoomLayout;
  db: Database;
  ledger: RoomLedgerService;
  devices: KioskDeviceRegistry;
  credentials: PickupCredentials;
  /** Couriers' PIN and RFID lookups; by default over `db` with the credentials' key. */
  couriers?: CourierCredentials;
  photoUrls: KioskPhotoUrls;
  /** The label pipeline's OCR engines, created once (they may still be warming up). */
  ocrEngines?: Promise<LabelOcrEngines> | LabelOcrEngines | undefined;
  building?: BuildingAddress | undefined;
  /**
   * The room's hardware subscriber: the door a login unlocks, and what the laser does for a pickup
   * (shown on the kiosk). Without it the kiosk has no door and shows no laser.
   */
  hardware?: RoomHardware | undefined;
  limits?: LoginLimitSettings;
  doorUnlockMs?: number;
  helloTimeoutMs?: number;
  heartbeatMs?: number;
  logger: Logger;
  registry?: Registry;
}

const unavailableWords =
  'One moment, please: the room’s records cannot be reached right now. Nothing was recorded; try again in a few seconds.';

/**
 * The kiosk WebSocket server (docs/kiosk-protocol.md), i.e. the connection and the protocol:
 * authenticates devices, parses every message, answers each in order and pushes what the ledger
 * committed after the answer. What a message means is the courier's (`courier-flow.ts`) or the
 * resident's flow (`resident-flow.ts`).
 */
export class KioskServer {
  private readonly wss: WebSocketServer;
  private readonly sessions: KioskSessions;
  private readonly courier: CourierFlow;
  private readonly resident: ResidentFlow;
  private readonly door: KioskDoor;
  private readonly subscriptions: Subscription[] = [];
  private readonly heartbeat: NodeJS.Timeout;
  private readonly alive = new WeakSet<WebSocket>();
  private readonly logger: Logger;
  private readonly messages: Counter<'type' | 'outcome'> | undefined;
  private readonly connected: Gauge | undefined;
  private readonly onUpgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
  private closed = false;

  constructor(private readonly options: KioskServerOptions) {
    this.logger = options.logger.child({ component: 'kiosk' });
    const repository = createKioskRepository(options.db);
    const guard = new KioskLoginGuard(
      options.db,
      options.limits ?? defaultLoginLimits,
      this.logger,
      options.registry,
    );
    guard.warnIfGuessable(options.devices.devices.length);
    this.sessions = new KioskSessions({
      layout: options.layout,
      ledger: options.ledger,
      repository,
      photoUrls: options.photoUrls,
    });
    this.door = new KioskDoor(options.hardware, options.doorUnlockMs ?? 10_000, this.logger);
    const context: KioskFlowContext = {
      roomId: options.roomId,
      ledger: options.ledger,
      repository,
      sessions: this.sessions,
      guard,
      door: this.door,
      logger: this.logger,
      push: (device, message) => this.push(device, message),
    };
    this.courier = new CourierFlow(context, {
      couriers: options.couriers ?? createCourierCredentials(options.db, options.credentials.keyedHash),
      ocrEngines: options.ocrEngines,
      building: options.building,
    });
    this.resident = new ResidentFlow(context, options.credentials);
    if (options.registry) {
      this.messages = new Counter({
        name: 'parcelroom_kiosk_messages_total',
        help: 'Kiosk messages by type and outcome (ok, refused, failed)',
        labelNames: ['type', 'outcome'],
        registers: [options.registry],
      });
      this.connected = new Gauge({
        name: 'parcelroom_kiosk_devices_connected',
        help: 'Kiosk devices with an authenticated socket',
        registers: [options.registry],
      });
    }
    this.wss = new WebSocketServer({ noServer: true, maxPayload: maxFrameBytes });
    this.onUpgrade = (req, socket, head) => {
      const path = new URL(req.url ?? '/', 'http://kiosk').pathname;
      if (path !== kioskWsPath) return;
      this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, req));
    };
    options.server.on('upgrade', this.onUpgrade);
    this.subscriptions.push(
      options.ledger.kiosk$.subscribe((message) => void this.onLedgerMessage(message)),
      // Every kiosk hears at once when the records are out of reach and when they are back.
      options.db.availability.changes$.subscribe(() => {
        for (const device of this.sessions.devices.values()) this.push(device, this.serviceStatus());
      }),
    );
    if (options.hardware)
      this.subscriptions.push(options.hardware.laser$.subscribe((laser) => this.resident.onLaser(laser)));
    const every = options.heartbeatMs ?? 15_000;
    this.heartbeat = setInterval(() => {
      for (const ws of this.wss.clients) {
        if (!this.alive.has(ws)) {
          ws.terminate();
          continue;
        }
        this.alive.delete(ws);
        ws.ping();
      }
    }, every);
    this.heartbeat.unref();
  }

  private serviceStatus(): ServerMessage {
    const available = this.options.db.availability.available;
    return {
      type: 'service_status',
      database: available ? 'ok' : 'unavailable',
      message: available ? null : unavailableWords,
    };
  }

  /** The session a device has now (what `welcome` would carry). */
  sessionOf(deviceId: string): SessionView {
    return this.sessions.viewOf(this.sessions.devices.get(deviceId)?.session);
  }

  /** Closes every kiosk socket (1001) and stops listening; sessions stay open in the ledger. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.options.server.off('upgrade', this.onUpgrade);
    clearInterval(this.heartbeat);
    for (const s of this.subscriptions) s.unsubscribe();
    for (const ws of this.wss.clients) ws.close(closeCodes.goingAway, 'service stopping');
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    for (const ws of this.wss.clients) ws.terminate();
  }

  // ------------------------------------------------------------ transport

  private accept(ws: WebSocket, req: IncomingMessage): void {
    this.alive.add(ws);
    ws.on('pong', () => this.alive.add(ws));
    let device: Device | undefined;
    let queue: Promise<void> = Promise.resolve();
    const helloTimer = setTimeout(() => {
      if (!device) ws.close(closeCodes.helloTimeout, 'hello expected');
    }, this.options.helloTimeoutMs ?? 10_000);
    const remote = req.socket.remoteAddress;

    ws.on('message', (data, isBinary) => {
      // One message of a socket at a time, so replies come in the order of the requests.
      queue = queue.then(async () => {
        const frame = isBinary
          ? null
          : Buffer.isBuffer(data)
            ? data.toString('utf8')
            : Buffer.from(data as ArrayBuffer).toString('utf8');
        if (frame === null) {
          this.send(ws, {
            type: 'error',
            code: 'malformed',
            message: 'send JSON text frames, not binary ones',
          });
          return;
        }
        const parsed = parseClientMessage(frame);
        if (!parsed.ok) {
          this.messages?.inc({ type: 'unparsed', outcome: 'refused' });
          this.send(ws, errorMessage(parsed.error, parsed.id));
          return;
        }
        const message = parsed.message;
        if (message.type === 'hello') {
          if (device) {
            this.send(ws, {
              type: 'error',
              code: 'already_authenticated',
              message: 'this socket is already authenticated',
              ...replyTo(message.id),
            });
            return;
          }
          if (!this.options.devices.authenticate(message.deviceId, message.token)) {
            this.logger.warn({ deviceId: message.deviceId, remote }, 'kiosk device refused');
            this.messages?.inc({ type: 'hello', outcome: 'refused' });
            this.send(ws, {
              type: 'error',
              code: 'unauthorized',
              message: 'unknown kiosk device or wrong token',
              ...replyTo(message.id),
            });
            ws.close(closeCodes.unauthorized, 'unauthorized');
            return;
          }
          clearTimeout(helloTimer);
          device = this.attach(message.deviceId, ws);
          this.logger.info({ deviceId: device.id, remote }, 'kiosk connected');
          this.messages?.inc({ type: 'hello', outcome: 'ok' });
          this.send(ws, {
            type: 'welcome',
            protocol: kioskProtocolVersion,
            deviceId: device.id,
            roomId: this.options.roomId,
            session: this.sessions.viewOf(device.session),
            ...replyTo(message.id),
          });
          if (!this.options.db.availability.available) this.send(ws, this.serviceStatus());
          return;
        }
        if (!device) {
          this.send(ws, {
            type: 'error',
            code: 'not_authenticated',
            message: 'send hello with the device id and token first',
            ...replyTo(message.id),
          });
          return;
        }
        await this.handle(device, message);
      });
    });
    ws.on('close', () => {
      clearTimeout(helloTimer);
      if (device && device.socket === ws) {
        device.socket = undefined;
        this.connected?.dec();
        this.logger.info({ deviceId: device.id }, 'kiosk disconnected');
      }
    });
    ws.on('error', (error) => this.logger.warn({ error: error.message }, 'kiosk socket error'));
  }

  private attach(deviceId: string, ws: WebSocket): Device {
    let device = this.sessions.devices.get(deviceId);
    if (!device) {
      device = {
        id: deviceId,
        socket: undefined,
        session: undefined,
        lastSessionId: undefined,
        busy: 0,
        pending: [],
      };
      this.sessions.devices.set(deviceId, device);
    }
    const previous = device.socket;
    device.socket = ws;
    if (previous) previous.close(closeCodes.replaced, 'another socket authenticated as this device');
    else this.connected?.inc();
    return device;
  }

  private send(ws: WebSocket | undefined, message: ServerMessage): void {
    if (ws && ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
  }

  /** A message the kiosk did not ask for: after the reply of the message being handled, if any. */
  private push(device: Device, message: ServerMessage): void {
    if (device.busy > 0) device.pending.push(message);
    else this.send(device.socket, message);
  }

  private async handle(device: Device, message: Exclude<ClientMessage, { type: 'hello' }>): Promise<void> {
    device.busy++;
    let answer: ServerMessage;
    try {
      answer = { ...(await this.answer(device, message)), ...replyTo(message.id) } as ServerMessage;
      this.messages?.inc({ type: message.type, outcome: 'ok' });
    } catch (error) {
      if (error instanceof KioskProtocolError) {
        this.messages?.inc({ type: message.type, outcome: 'refused' });
        answer = errorMessage(error, message.id);
      } else if (unavailabilityReason(error) !== undefined) {
        // Nothing was committed: the person is asked to wait, not told that something broke.
        this.messages?.inc({ type: message.type, outcome: 'unavailable' });
        this.logger.warn(
          { deviceId: device.id, type: message.type, error: (error as Error).message },
          'kiosk message refused: the database is unavailable',
        );
        answer = {
          type: 'error',
          code: 'unavailable',
          message: unavailableWords,
          retryAfterMs: 5000,
          ...replyTo(message.id),
        };
      } else {
        this.messages?.inc({ type: message.type, outcome: 'failed' });
        this.logger.error(
          { deviceId: device.id, type: message.type, error: (error as Error).message },
          'kiosk message failed',
        );
        answer = {
          type: 'error',
          code: 'internal',
          message: 'the service could not do that; nothing was recorded, try again',
          ...replyTo(message.id),
        };
      }
    } finally {
      device.busy--;
    }
    this.send(device.socket, answer);
    if (device.busy === 0) {
      const pending = device.pending.splice(0);
      for (const m of pending) this.send(device.socket, m);
    }
  }

  // ------------------------------------------------------------ messages

  private async answer(
    device: Device,
    message: Exclude<ClientMessage, { type: 'hello' }>,
  ): Promise<ServerMessage> {
    switch (message.type) {
      case 'ping':
        return { type: 'pong' };
      case 'courier_login':
        return this.courier.login(device, message);
      case 'resident_login':
        return this.resident.login(device, message);
      case 'door_unlock': {
        if (!device.session) throw new KioskProtocolError('no_session', 'log in first');
        return this.door.unlock(device.id);
      }
      case 'label_image':
        return this.courier.readLabel(device, message.jpegBase64);
      case 'tracking_typed':
        return this.courier.typedTracking(device, message.trackingNumber);
      case 'resident_search':
        return this.courier.searchResidents(device, message.query);
      case 'recipient_confirm':
        return this.courier.confirmRecipient(device, message.readingId, message.residentId);
      case 'session_end':
        return this.sessions.end(device);
    }
  }

  private async onLedgerMessage(message: KioskMessage): Promise<void> {
    try {
      switch (message.kind) {
        case 'package_placed':
        case 'unregistered_object':
        case 'delivery_ended':
          return await this.courier.onCommitted(message);
        case 'package_picked_up':
        case 'wrong_package_taken':
        case 'pickup_ended':
          return this.resident.onCommitted(message);
        // Answered directly to the kiosk that asked (delivery_started, package_awaiting, pickup_started).
        default:
          return;
      }
    } catch (error) {
      this.logger.error(
        { kind: message.kind, error: (error as Error).message },
        'kiosk message not delivered',
      );
    }
  }
}
