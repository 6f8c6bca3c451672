import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Subscription } from 'rxjs';
import { type WebSocket, WebSocketServer } from 'ws';
import type { RoomLayout } from '../../calibration/index.ts';
import { HwSupersededError, type LocatorClient, slotTarget } from '../../hw-controller/index.ts';
import type { LabelOcrEngines } from '../../models/index.ts';
import {
  type BuildingAddress,
  createLabelReader,
  createResidentMatcher,
  LabelImageError,
  parseTrackingNumber,
} from '../../pipelines/index.ts';
import { type KioskMessage, LedgerInputError, placedPackagesOf } from '../ledger/index.ts';
import type { LocatorCommand, RoomLedgerService } from '../ledger-service/index.ts';
import type { Logger } from '../logging/index.ts';
import { describeShelfLocation } from '../notifications/index.ts';
import { type Database, unavailabilityReason } from '../store/index.ts';
import { type CourierCredentials, createCourierCredentials } from './courier-credentials.ts';
import type { KioskDeviceRegistry } from './kiosk-devices.ts';
import {
  type ClientMessage,
  closeCodes,
  KioskProtocolError,
  kioskProtocolVersion,
  kioskWsPath,
  maxFrameBytes,
  type PackageView,
  parseClientMessage,
  type ResidentChoice,
  type ServerMessage,
  type SessionView,
} from './kiosk-protocol.ts';
import { createKioskRepository, type KioskRepository } from './kiosk-repository.ts';
import type { KioskPhotoUrls } from './kiosk-routes.ts';
import {
  defaultLoginLimits,
  describeWait,
  type LoginLimitSettings,
  type TryReservation,
} from './login-backoff.ts';
import { type LoginKind, LoginLimits } from './login-limits.ts';
import { type PickupCredentials, pickupPinDigits } from './pickup-credentials.ts';
import { pinGuessingBound } from './pin-guessing-bound.ts';
import { roomMapOf } from './room-map.ts';

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
  locator?: LocatorClient | undefined;
  limits?: LoginLimitSettings;
  doorUnlockMs?: number;
  helloTimeoutMs?: number;
  heartbeatMs?: number;
  logger: Logger;
  registry?: Registry;
}

interface Reading {
  trackingNumber: string | null;
  carrier: string | null;
  recipientText: string | null;
  candidateIds: Set<string>;
}

type DeviceSession =
  | {
      mode: 'courier';
      sessionId: string;
      courier: { id: string; name: string; company: string };
      packageIds: string[];
      placed: PackageView[];
      readings: Map<string, Reading>;
    }
  | {
      mode: 'resident';
      sessionId: string;
      resident: { id: string; firstName: string };
      packages: PackageView[];
      pickedUpIds: string[];
      expiresAtMs: number;
    };

interface Device {
  id: string;
  socket: WebSocket | undefined;
  session: DeviceSession | undefined;
  /** The last session, for messages about it that arrive just after it ended (a late placement). */
  lastSessionId: string | undefined;
  /** While a message of the device is handled, pushes wait so that the reply comes first. */
  busy: number;
  pending: ServerMessage[];
}

const unavailableWords =
  'One moment, please: the room’s records cannot be reached right now. Nothing was recorded; try again in a few seconds.';

/**
 * The kiosk WebSocket server (docs/kiosk-protocol.md): authenticates devices, parses every
 * message, runs courier and resident sessions through the room ledger, and tells each kiosk
 * what the ledger committed about its session. It also drives the locator from the ledger's
 * committed decisions and unlocks the door on a login.
 */
export class KioskServer {
  private readonly wss: WebSocketServer;
  private readonly devices = new Map<string, Device>();
  private readonly repository: KioskRepository;
  private readonly limits: LoginLimits;
  private readonly couriers: CourierCredentials;
  private readonly mapOf: ReturnType<typeof roomMapOf>;
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
    this.repository = createKioskRepository(options.db);
    this.limits = new LoginLimits(options.db, options.limits ?? defaultLoginLimits, options.registry);
    this.couriers = options.couriers ?? createCourierCredentials(options.db, options.credentials.keyedHash);
    this.warnIfGuessable();
    this.mapOf = roomMapOf(options.layout);
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
      options.ledger.locator$.subscribe((command) => void this.onLocatorCommand(command)),
      // Every kiosk hears at once when the records are out of reach and when they are back.
      options.db.availability.changes$.subscribe(() => {
        for (const device of this.devices.values()) this.push(device, this.serviceStatus());
      }),
    );
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
    return this.viewOf(this.devices.get(deviceId)?.session);
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
              ...reply(message.id),
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
              ...reply(message.id),
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
            session: this.viewOf(device.session),
            ...reply(message.id),
          });
          if (!this.options.db.availability.available) this.send(ws, this.serviceStatus());
          return;
        }
        if (!device) {
          this.send(ws, {
            type: 'error',
            code: 'not_authenticated',
            message: 'send hello with the device id and token first',
            ...reply(message.id),
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
    let device = this.devices.get(deviceId);
    if (!device) {
      device = {
        id: deviceId,
        socket: undefined,
        session: undefined,
        lastSessionId: undefined,
        busy: 0,
        pending: [],
      };
      this.devices.set(deviceId, device);
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
      answer = { ...(await this.answer(device, message)), ...reply(message.id) } as ServerMessage;
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
          ...reply(message.id),
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
          ...reply(message.id),
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
        return this.courierLogin(device, message);
      case 'resident_login':
        return this.residentLogin(device, message);
      case 'door_unlock': {
        if (!device.session) throw new KioskProtocolError('no_session', 'log in first');
        return this.unlockDoor(device);
      }
      case 'label_image':
        return this.readLabel(device, message.jpegBase64);
      case 'tracking_typed':
        return this.typedTracking(device, message.trackingNumber);
      case 'resident_search': {
        this.courierSession(device);
        const found = await this.repository.searchResidents(message.query);
        return { type: 'resident_list', residents: found.map((r) => choiceOf(r, null)) };
      }
      case 'recipient_confirm':
        return this.confirmRecipient(device, message.readingId, message.residentId);
      case 'session_end':
        return this.endSession(device);
    }
  }

  /**
   * Counts a PIN or RFID try at this kiosk before it is looked up (docs/kiosk-credentials.md), or
   * refuses it while the kiosk waits.
   */
  private async reserveTry(
    kind: LoginKind,
    device: Device,
  ): Promise<Extract<TryReservation, { allowed: true }>> {
    const reservation = await this.limits.reserve(kind, device.id);
    if (reservation.allowed) return reservation;
    throw new KioskProtocolError(
      'locked_out',
      `too many wrong tries at this kiosk; wait ${describeWait(reservation.retryAfterMs)} and try again${
        kind === 'resident' ? ' (the QR code from your message works now)' : ''
      }`,
      { retryAfterMs: reservation.retryAfterMs },
    );
  }

  private wrongCredentials(
    kind: LoginKind,
    device: Device,
    what: string,
    reservation: Extract<TryReservation, { allowed: true }>,
  ): never {
    const waitMs = reservation.waitAfterMs;
    this.logger.warn(
      { deviceId: device.id, kind, tries: reservation.state.tries, waitMs },
      'wrong kiosk credentials',
    );
    throw new KioskProtocolError(
      'wrong_credentials',
      waitMs > 0
        ? `${what} not recognised; wait ${describeWait(waitMs)} before the next try`
        : `${what} not recognised`,
      { attemptsLeft: reservation.freeTriesLeft, ...(waitMs > 0 ? { retryAfterMs: waitMs } : {}) },
    );
  }

  /** Says in the log when the configured kiosks make pickup PINs guessable within a year. */
  private warnIfGuessable(): void {
    const bound = pinGuessingBound({
      settings: this.limits.settings,
      pinDigits: pickupPinDigits,
      configuredKiosks: this.options.devices.devices.length,
    });
    if (bound.expectedYears < 1)
      this.logger.warn(
        { kiosks: bound.kiosks, expectedYears: Number(bound.expectedYears.toFixed(2)) },
        'with this many kiosks and these login limits a pickup PIN could be guessed within a year; see docs/kiosk-credentials.md',
      );
  }

  private async courierLogin(
    device: Device,
    message: Extract<ClientMessage, { type: 'courier_login' }>,
  ): Promise<ServerMessage> {
    if (device.session) throw new KioskProtocolError('session_open', 'end the open session first');
    const reservation = await this.reserveTry('courier', device);
    const courier =
      message.rfid !== undefined
        ? await this.couriers.findByRfid(message.rfid)
        : await this.couriers.findByPin(message.pin!);
    if (!courier)
      return this.wrongCredentials('courier', device, message.rfid ? 'RFID tag' : 'PIN', reservation);
    await this.limits.right('courier', device.id);
    const sessionId = randomUUID();
    await this.options.ledger.submit({ type: 'delivery_started', sessionId, courierId: courier.id });
    device.session = { mode: 'courier', sessionId, courier, packageIds: [], placed: [], readings: new Map() };
    device.lastSessionId = sessionId;
    this.logger.info({ deviceId: device.id, sessionId, courier: courier.id }, 'courier logged in');
    void this.unlockDoorAndTell(device);
    this.push(device, {
      type: 'speech',
      text: `Hello ${courier.name.split(' ')[0]}. The door is open. Show the first label to the camera.`,
    });
    return { type: 'session', session: this.viewOf(device.session) };
  }

  private async residentLogin(
    device: Device,
    message: Extract<ClientMessage, { type: 'resident_login' }>,
  ): Promise<ServerMessage> {
    if (device.session) throw new KioskProtocolError('session_open', 'end the open session first');
    // Only PINs can be guessed: a QR token is signed, so its logins are never locked out (a
    // stranger typing wrong PINs must not keep residents with their QR code out).
    const reservation = message.pin !== undefined ? await this.reserveTry('resident', device) : undefined;
    const { roomId } = this.options;
    const found =
      message.pin !== undefined
        ? await this.options.credentials.findByPin(roomId, message.pin)
        : await this.options.credentials.claimToken(roomId, message.qrToken!, device.id, Date.now());
    if (!found.ok) {
      // Only a PIN lookup says wrong_pin, and every PIN try holds a reservation.
      if (found.reason === 'wrong_pin') return this.wrongCredentials('resident', device, 'PIN', reservation!);
      if (found.reason === 'token_invalid') {
        this.logger.warn({ deviceId: device.id }, 'QR code refused: not signed by this room');
        throw new KioskProtocolError(
          'token_invalid',
          'this QR code is not one of ours; use the PIN from the message',
        );
      }
      throw new KioskProtocolError(
        found.reason,
        found.reason === 'token_expired'
          ? 'this QR code has expired; use the PIN from the same message'
          : 'this QR code was used already; use the PIN from the same message',
      );
    }
    const release = async () => {
      if (found.credentialId) await this.options.credentials.releaseToken(found.credentialId);
    };
    const resident = await this.repository.resident(found.residentId);
    const packageIds = placedPackagesOf(this.options.ledger.state, found.residentId).map((p) => p.id);
    if (!resident || packageIds.length === 0) {
      await release();
      throw new KioskProtocolError('nothing_to_pick_up', 'there is no package for you on the shelves now');
    }
    if (message.pin !== undefined) await this.limits.right('resident', device.id);
    const sessionId = randomUUID();
    let committed: Awaited<ReturnType<RoomLedgerService['submit']>>;
    try {
      // Registered before the ledger is asked: its locator decision is committed with the session.
      device.lastSessionId = sessionId;
      committed = await this.options.ledger.submit({
        type: 'pickup_started',
        sessionId,
        residentId: resident.id,
        packageIds,
      });
    } catch (error) {
      await release();
      if (error instanceof LedgerInputError)
        throw new KioskProtocolError(
          'nothing_to_pick_up',
          'your packages are being picked up at another kiosk',
        );
      throw error;
    }
    const started = committed.decisions.find((d) => d.type === 'pickup_started');
    const packages = await this.packageViews(device, packageIds);
    device.session = {
      mode: 'resident',
      sessionId,
      resident: { id: resident.id, firstName: resident.firstName },
      packages,
      pickedUpIds: [],
      expiresAtMs: started?.type === 'pickup_started' ? started.expiresAtMs : Date.now() + 180_000,
    };
    this.logger.info({ deviceId: device.id, sessionId, packages: packageIds.length }, 'resident logged in');
    void this.unlockDoorAndTell(device);
    const first = packages[0]!;
    this.push(device, {
      type: 'speech',
      text:
        packages.length === 1
          ? `Hello ${resident.firstName}. Your package is on ${first.words ?? first.slotId}. Follow the red dot.`
          : `Hello ${resident.firstName}. You have ${packages.length} packages. The first is on ${first.words ?? first.slotId}. Follow the red dot.`,
    });
    return {
      type: 'pickup_started',
      sessionId,
      packages,
      map: this.mapOf(packages.map((p) => p.slotId).filter((s): s is string => s !== null)),
      expiresAtMs: device.session.expiresAtMs,
    };
  }

  private courierSession(device: Device): Extract<DeviceSession, { mode: 'courier' }> {
    if (!device.session) throw new KioskProtocolError('no_session', 'a courier must log in first');
    if (device.session.mode !== 'courier')
      throw new KioskProtocolError('wrong_session', 'only a courier can register packages');
    return device.session;
  }

  private async readLabel(device: Device, jpegBase64: string): Promise<ServerMessage> {
    const session = this.courierSession(device);
    const jpeg = Buffer.from(jpegBase64, 'base64');
    if (!this.options.ocrEngines)
      throw new KioskProtocolError(
        'label_unreadable',
        'label reading is not available here; type the tracking number',
      );
    const engines = await this.options.ocrEngines;
    const residents = await this.repository.activeResidents();
    const reader = createLabelReader({
      ocr: engines.ocr,
      ...(engines.lineOcr ? { lineOcr: engines.lineOcr } : {}),
      residents: createResidentMatcher(residents),
      ...(this.options.building ? { building: this.options.building } : {}),
    });
    let reading: Awaited<ReturnType<typeof reader.read>>;
    try {
      reading = await reader.read(jpeg);
    } catch (error) {
      if (error instanceof LabelImageError) throw new KioskProtocolError('label_unreadable', error.message);
      throw error;
    }
    const byId = new Map(residents.map((r) => [r.id, r]));
    const candidates = (reading.match?.candidates ?? [])
      .filter((c) => byId.has(c.residentId))
      .slice(0, 5)
      .map((c) => choiceOf(byId.get(c.residentId)!, c.score));
    const recipient = reading.fields.recipient;
    const recipientText = [recipient.name, recipient.unit].filter(Boolean).join(' ') || null;
    const tracking = reading.fields.tracking;
    const readingId = randomUUID();
    session.readings.set(readingId, {
      trackingNumber: tracking?.value ?? null,
      carrier: tracking?.carrier ?? reading.fields.carrier,
      recipientText,
      candidateIds: new Set(candidates.map((c) => c.residentId)),
    });
    this.logger.info(
      {
        deviceId: device.id,
        tracking: Boolean(tracking),
        match: reading.match?.status,
        totalMs: reading.timings.totalMs,
      },
      'label read',
    );
    return {
      type: 'label_reading',
      readingId,
      source: 'image',
      trackingNumber: tracking?.value ?? null,
      carrier: tracking?.carrier ?? reading.fields.carrier,
      recipientText,
      status: reading.match?.status ?? 'no_match',
      candidates,
    };
  }

  private typedTracking(device: Device, text: string): ServerMessage {
    const session = this.courierSession(device);
    const tracking = parseTrackingNumber(text);
    if (!tracking)
      throw new KioskProtocolError(
        'tracking_invalid',
        'that number fits no carrier’s tracking format; check it against the label',
      );
    const readingId = randomUUID();
    session.readings.set(readingId, {
      trackingNumber: tracking.value,
      carrier: tracking.carrier,
      recipientText: null,
      candidateIds: new Set(),
    });
    return {
      type: 'label_reading',
      readingId,
      source: 'typed',
      trackingNumber: tracking.value,
      carrier: tracking.carrier,
      recipientText: null,
      status: 'no_match',
      candidates: [],
    };
  }

  private async confirmRecipient(
    device: Device,
    readingId: string,
    residentId: string | null,
  ): Promise<ServerMessage> {
    const session = this.courierSession(device);
    const reading = session.readings.get(readingId);
    if (!reading)
      throw new KioskProtocolError('unknown_reading', 'show the label again: that reading is not open here');
    if (residentId !== null) {
      const resident = await this.repository.resident(residentId);
      if (!resident?.active) throw new KioskProtocolError('unknown_resident', 'no such resident lives here');
    }
    const packageId = randomUUID();
    await this.options.ledger.submit(
      {
        type: 'package_registered',
        sessionId: session.sessionId,
        packageId,
        residentId,
        details: {
          courierId: session.courier.id,
          carrier: reading.carrier,
          trackingNumber: reading.trackingNumber,
          recipientText: reading.recipientText,
        },
      },
      `kiosk:${readingId}`,
    );
    session.readings.delete(readingId);
    session.packageIds.push(packageId);
    this.push(device, { type: 'speech', text: 'Place it on any shelf.' });
    return { type: 'awaiting_placement', packageId, awaitingPackageIds: this.awaitingOf(session) };
  }

  private async endSession(device: Device): Promise<ServerMessage> {
    const session = device.session;
    if (!session) throw new KioskProtocolError('no_session', 'there is no session to end');
    device.session = undefined;
    try {
      await this.options.ledger.submit(
        session.mode === 'courier'
          ? { type: 'delivery_ended', sessionId: session.sessionId }
          : { type: 'pickup_ended', sessionId: session.sessionId },
      );
    } catch (error) {
      // The ledger ended it already (a timeout, or everything was picked up): the kiosk is idle either way.
      if (!(error instanceof LedgerInputError)) {
        device.session = session;
        throw error;
      }
    }
    return { type: 'session', session: { mode: 'idle' } };
  }

  private async unlockDoor(device: Device): Promise<ServerMessage> {
    const locator = this.options.locator;
    const durationMs = this.options.doorUnlockMs ?? 10_000;
    if (!locator) throw new KioskProtocolError('door_unavailable', 'this room has no door controller');
    try {
      await linkUp(locator, 5000);
      await locator.unlockDoor(durationMs);
    } catch (error) {
      this.logger.warn({ deviceId: device.id, error: (error as Error).message }, 'door did not unlock');
      throw new KioskProtocolError('door_unavailable', 'the door did not unlock; ask staff for help');
    }
    return { type: 'door', unlocked: true, durationMs };
  }

  private async unlockDoorAndTell(device: Device): Promise<void> {
    if (!this.options.locator) return;
    try {
      this.push(device, await this.unlockDoor(device));
    } catch (error) {
      if (error instanceof KioskProtocolError) this.push(device, errorMessage(error, undefined));
    }
  }

  // ------------------------------------------------------------ what the ledger committed

  private deviceOfSession(sessionId: string | null): Device | undefined {
    if (sessionId === null) return undefined;
    for (const d of this.devices.values()) if (d.session?.sessionId === sessionId) return d;
    for (const d of this.devices.values()) if (!d.session && d.lastSessionId === sessionId) return d;
    return undefined;
  }

  private async onLedgerMessage(message: KioskMessage): Promise<void> {
    try {
      switch (message.kind) {
        case 'package_placed': {
          const device = this.deviceOfSession(message.sessionId);
          if (!device) return;
          const [view] = await this.packageViews(device, [message.packageId]);
          const session = device.session?.mode === 'courier' ? device.session : undefined;
          if (session && view) session.placed.push(view);
          this.push(device, {
            type: 'placed',
            package: view ?? emptyView(message.packageId, message.slotId),
            uncertain: message.uncertain,
            awaitingPackageIds: session ? this.awaitingOf(session) : [],
            map: this.mapOf([message.slotId]),
          });
          this.push(device, {
            type: 'speech',
            text: `Thank you. It is on ${view?.words ?? message.slotId}.`,
          });
          return;
        }
        case 'unregistered_object': {
          const words = this.words(message.slotId);
          const targets =
            message.sessionId !== null
              ? [this.deviceOfSession(message.sessionId)]
              : [...this.devices.values()].filter((d) => d.session?.mode === 'courier');
          for (const d of targets)
            if (d) this.push(d, { type: 'unregistered_object', slotId: message.slotId, words });
          return;
        }
        case 'delivery_ended': {
          const device = this.deviceOfSession(message.sessionId);
          if (!device) return;
          this.push(device, {
            type: 'delivery_ended',
            sessionId: message.sessionId,
            awaitingPackageIds: message.awaitingPackageIds,
          });
          if (device.session?.sessionId === message.sessionId) {
            device.session = undefined;
            this.push(device, { type: 'session', session: { mode: 'idle' } });
          }
          return;
        }
        case 'package_picked_up': {
          const device = this.deviceOfSession(message.sessionId);
          if (!device) return;
          if (device.session?.mode === 'resident') device.session.pickedUpIds.push(message.packageId);
          this.push(device, {
            type: 'picked_up',
            packageId: message.packageId,
            remainingPackageIds: message.remainingPackageIds,
          });
          const next =
            device.session?.mode === 'resident'
              ? device.session.packages.find((p) => p.packageId === message.remainingPackageIds[0])
              : undefined;
          this.push(device, {
            type: 'speech',
            text: next
              ? `Got it. The next one is on ${next.words ?? next.slotId}.`
              : 'Got it. Have a nice day.',
          });
          return;
        }
        case 'wrong_package_taken': {
          const device = this.deviceOfSession(message.sessionId);
          if (!device) return;
          this.push(device, {
            type: 'wrong_package',
            packageId: message.packageId,
            slotId: message.slotId,
            expectedSlotIds: message.expectedSlotIds,
            map: this.mapOf(message.expectedSlotIds),
          });
          const yours = message.expectedSlotIds[0];
          this.push(device, {
            type: 'speech',
            text: `That is not your package. Please put it back${yours ? `. Yours is on ${this.words(yours) ?? yours}` : ''}.`,
          });
          return;
        }
        case 'pickup_ended': {
          const device = this.deviceOfSession(message.sessionId);
          if (!device) return;
          this.push(device, {
            type: 'pickup_ended',
            sessionId: message.sessionId,
            outcome: message.outcome,
            pickedUpIds: message.pickedUpIds,
            leftBehindIds: message.leftBehindIds,
          });
          if (device.session?.sessionId === message.sessionId) {
            device.session = undefined;
            this.push(device, { type: 'session', session: { mode: 'idle' } });
          }
          return;
        }
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

  private async onLocatorCommand(command: LocatorCommand): Promise<void> {
    const device = this.deviceOfSession(command.sessionId);
    const locator = this.options.locator;
    try {
      if (command.action === 'point') {
        if (locator) await locator.pointAt(slotTarget(this.options.layout, command.slotId));
        if (device) this.push(device, { type: 'locator', state: 'pointing', slotId: command.slotId });
      } else {
        if (locator) await locator.off();
        if (device) this.push(device, { type: 'locator', state: 'off', slotId: null });
      }
    } catch (error) {
      // A newer command replaced this one before it was sent: the newer one tells the kiosk.
      if (error instanceof HwSupersededError) return;
      this.logger.warn(
        { action: command.action, sessionId: command.sessionId, error: (error as Error).message },
        'locator command failed',
      );
    }
  }

  // ------------------------------------------------------------ views

  private words(slotId: string): string | null {
    try {
      return describeShelfLocation(this.options.layout, slotId).words;
    } catch {
      return null;
    }
  }

  private async packageViews(device: Device, packageIds: readonly string[]): Promise<PackageView[]> {
    const rows = await this.repository.packages(packageIds);
    return packageIds.map((id) => {
      const row = rows.get(id);
      if (!row) return emptyView(id, null);
      return {
        packageId: id,
        slotId: row.slotId,
        words: row.slotId ? this.words(row.slotId) : null,
        photoUrl: row.photoImageId ? this.options.photoUrls.urlFor(row.photoImageId, device.id) : null,
        carrier: row.carrier,
        trackingNumber: row.trackingNumber,
      };
    });
  }

  private awaitingOf(session: Extract<DeviceSession, { mode: 'courier' }>): string[] {
    // In the ledger's order: the first of these is the one the next package seen is taken for.
    const mine = new Set(session.packageIds);
    return this.options.ledger.state.awaiting.filter((id) => mine.has(id));
  }

  private viewOf(session: DeviceSession | undefined): SessionView {
    if (!session) return { mode: 'idle' };
    if (session.mode === 'courier')
      return {
        mode: 'courier',
        sessionId: session.sessionId,
        courier: { name: session.courier.name, company: session.courier.company },
        awaitingPackageIds: this.awaitingOf(session),
        placed: session.placed,
      };
    return {
      mode: 'resident',
      sessionId: session.sessionId,
      resident: { firstName: session.resident.firstName },
      packages: session.packages,
      pickedUpIds: session.pickedUpIds,
      expiresAtMs: session.expiresAtMs,
      map: this.mapOf(
        session.packages
          .filter((p) => !session.pickedUpIds.includes(p.packageId))
          .map((p) => p.slotId)
          .filter((s): s is string => s !== null),
      ),
    };
  }
}

/**
 * Waits for the hw-controller link to be up (at most `timeoutMs`): right after the service starts,
 * or while the daemon restarts, a door request would otherwise time out while the link connects.
 */
function linkUp(locator: LocatorClient, timeoutMs: number): Promise<void> {
  if (locator.linkState === 'up') return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      off();
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    const off = locator.on('link', (state) => {
      if (state === 'up') done();
    });
  });
}

const reply = (id: string | undefined) => (id === undefined ? {} : { replyTo: id });

function errorMessage(error: KioskProtocolError, id: string | undefined): ServerMessage {
  return { type: 'error', code: error.code, message: error.message, ...error.extra, ...reply(id) };
}

function choiceOf(
  r: { id: string; firstName: string; lastName: string; apartment: string },
  score: number | null,
): ResidentChoice {
  return { residentId: r.id, firstName: r.firstName, lastName: r.lastName, apartment: r.apartment, score };
}

const emptyView = (packageId: string, slotId: string | null): PackageView => ({
  packageId,
  slotId,
  words: null,
  photoUrl: null,
  carrier: null,
  trackingNumber: null,
});
