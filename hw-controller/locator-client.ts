import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { HwSupersededError } from './hw-errors.ts';
import { type LinkState, type PendingRequest, RequestChannel } from './link/request-channel.ts';
import type { HwLinkMetrics } from './link-metrics.ts';
import type { HardwareState, RequestBody, StrobePattern } from './protocol/messages.ts';

/** Where the locator should point, and what else lights up with it. */
export interface LocatorTarget {
  panDeg: number;
  tiltDeg: number;
  /** The strobe zone across from the slot; no strobe when absent. */
  strobeZoneId?: string | undefined;
  strobePattern?: StrobePattern | undefined;
  /** How long the laser may stay on before the daemon switches it off; the client's default when absent. */
  laserMaxOnMs?: number | undefined;
  /** How long the strobe runs; laserMaxOnMs when absent. */
  strobeDurationMs?: number | undefined;
}

export interface LocatorClientOptions {
  /** The daemon's ROUTER, e.g. tcp://127.0.0.1:5560. */
  endpoint: string;
  logger?: Logger | undefined;
  metrics?: HwLinkMetrics | undefined;
  /** Ping period; the daemon's heartbeat timeout must be a few of these. */
  heartbeatMs?: number;
  /** Silence after which the link counts as down; 3 × heartbeatMs by default. */
  heartbeatTimeoutMs?: number;
  /** The least one attempt waits for its ack; the wait grows with the measured round trips. */
  requestTimeoutMs?: number;
  /** Attempts per command, the first included. `off` gets twice as many. */
  attempts?: number;
  /** Laser on-time when a target does not say; the daemon refuses more than the layout allows. */
  defaultLaserMaxOnMs?: number;
}

export interface LocatorClientEvents {
  state: [HardwareState];
  link: [LinkState];
}

type Desired =
  | { kind: 'off' }
  | { kind: 'pointing'; target: LocatorTarget; laserUntil: number; strobeUntil: number };

type DesiredDoor = { kind: 'locked' } | { kind: 'unlocked'; until: number };

/**
 * The face of the locator the rest of the service sees. It keeps what the service wants the
 * locator to do (the desired state) and makes the daemon do it: a new target replaces one not yet
 * acknowledged, `off` replaces anything pending, and after a reconnect or a daemon restart the
 * desired state is sent again with the on-time that is left; so is the door: an unlock the service
 * asked for, for the open time that is left of it (never longer), or a lock the daemon missed.
 * Every command carries the daemon session it was meant for, so a restarted daemon refuses what
 * was queued for its predecessor.
 */
export class LocatorClient {
  private readonly channel: RequestChannel;
  private readonly events = new EventEmitter<LocatorClientEvents>();
  private desired: Desired = { kind: 'off' };
  private desiredDoor: DesiredDoor | undefined;
  /** The pending point/off (the caller's, or a resync's): a newer one cancels it. */
  private command: { request: PendingRequest } | undefined;
  /** The pending door-unlock/door-lock, likewise. */
  private doorCommand: { request: PendingRequest } | undefined;
  private last: HardwareState | undefined;
  private readonly logger: Logger | undefined;
  private readonly metrics: HwLinkMetrics | undefined;
  private readonly defaultLaserMaxOnMs: number;
  private readonly attempts: number;

  constructor(private readonly options: LocatorClientOptions) {
    const heartbeatMs = options.heartbeatMs ?? 500;
    this.logger = options.logger;
    this.metrics = options.metrics;
    this.defaultLaserMaxOnMs = options.defaultLaserMaxOnMs ?? 60_000;
    this.attempts = options.attempts ?? 3;
    this.channel = new RequestChannel({
      endpoint: options.endpoint,
      logger: options.logger,
      metrics: options.metrics,
      heartbeatMs,
      heartbeatTimeoutMs: options.heartbeatTimeoutMs ?? heartbeatMs * 3,
      requestTimeoutMs: options.requestTimeoutMs ?? 250,
      attempts: this.attempts,
    });
    let previousLink: LinkState = this.channel.linkState;
    this.channel.on('link', (state) => {
      // A command that timed out while the link was down never arrived: send what we want again.
      if (state === 'up' && previousLink === 'down') this.resync('link back');
      previousLink = state;
      this.events.emit('link', state);
    });
    this.channel.on('state', (state) => this.onState(state));
  }

  /** Listens to state reports or link changes; returns the function that stops listening. */
  on<E extends keyof LocatorClientEvents>(
    event: E,
    listener: (...args: LocatorClientEvents[E]) => void,
  ): () => void {
    const events = this.events as unknown as EventEmitter;
    events.on(event, listener);
    return () => events.off(event, listener);
  }

  get linkState(): LinkState {
    return this.channel.linkState;
  }

  get endpoint(): string {
    return this.options.endpoint;
  }

  /** The daemon's state as last reported (acks and state messages), before any was heard: undefined. */
  get lastState(): HardwareState | undefined {
    return this.last;
  }

  /** Aims, switches the laser on and starts the strobe, in one request. Resolves with the acked state. */
  pointAt(target: LocatorTarget): Promise<HardwareState> {
    const laserMaxOnMs = Math.round(target.laserMaxOnMs ?? this.defaultLaserMaxOnMs);
    const strobeDurationMs = Math.round(target.strobeDurationMs ?? laserMaxOnMs);
    const now = performance.now();
    this.desired = {
      kind: 'pointing',
      target: { ...target, laserMaxOnMs, strobeDurationMs },
      laserUntil: now + laserMaxOnMs,
      strobeUntil: now + strobeDurationMs,
    };
    return this.sendCommand(this.pointRequest(laserMaxOnMs, strobeDurationMs));
  }

  /** Laser and strobes off. Always wins: it replaces any pending target and is retried longest. */
  off(): Promise<HardwareState> {
    this.desired = { kind: 'off' };
    return this.sendCommand({ type: 'off' });
  }

  /** Opens the door relay for `durationMs`; the daemon closes it by itself after that. */
  unlockDoor(durationMs: number): Promise<HardwareState> {
    const ms = Math.round(durationMs);
    this.desiredDoor = { kind: 'unlocked', until: performance.now() + ms };
    return this.sendDoor({ type: 'door-unlock', durationMs: ms });
  }

  lockDoor(): Promise<HardwareState> {
    this.desiredDoor = { kind: 'locked' };
    return this.sendDoor({ type: 'door-lock' });
  }

  /** Asks the daemon for its state now. */
  state(): Promise<HardwareState> {
    return this.channel.send({ type: 'get-state' }).acked;
  }

  /** Stops heartbeats and closes the socket; the daemon then turns the laser off by itself. */
  async close(): Promise<void> {
    this.channel.close();
  }

  /** The desired target as a `point`; no strobe when its time is up (strobeDurationMs undefined). */
  private pointRequest(laserMaxOnMs: number, strobeDurationMs: number | undefined): RequestBody {
    if (this.desired.kind !== 'pointing') return { type: 'off' };
    const { target } = this.desired;
    return {
      type: 'point',
      panDeg: target.panDeg,
      tiltDeg: target.tiltDeg,
      laserMaxOnMs,
      ...(target.strobeZoneId && strobeDurationMs !== undefined
        ? {
            strobe: {
              zoneId: target.strobeZoneId,
              pattern: target.strobePattern ?? 'flash',
              durationMs: strobeDurationMs,
            },
          }
        : {}),
    };
  }

  /** The body stamped with the daemon session it is meant for (none before one was heard). */
  private stamped(body: RequestBody): RequestBody {
    const session = this.last?.sessionId;
    return session ? ({ ...body, session } as RequestBody) : body;
  }

  private sendCommand(body: RequestBody): Promise<HardwareState> {
    this.command?.request.cancel(
      new HwSupersededError(
        `${this.command.request.type} was replaced by a newer ${body.type} before its ack`,
      ),
    );
    const request = this.channel.send(
      this.stamped(body),
      body.type === 'off' ? this.attempts * 2 : this.attempts,
    );
    const entry = { request };
    this.command = entry;
    const clear = () => {
      if (this.command === entry) this.command = undefined;
    };
    request.acked.then(clear, clear);
    return request.acked;
  }

  private sendDoor(body: RequestBody): Promise<HardwareState> {
    this.doorCommand?.request.cancel(
      new HwSupersededError(
        `${this.doorCommand.request.type} was replaced by a newer ${body.type} before its ack`,
      ),
    );
    const request = this.channel.send(this.stamped(body), this.attempts);
    const entry = { request };
    this.doorCommand = entry;
    const clear = () => {
      if (this.doorCommand === entry) this.doorCommand = undefined;
    };
    request.acked.then(clear, clear);
    return request.acked;
  }

  /** Sends the wanted door state again: an unlock for the time left of it, or a lock the daemon missed. */
  private resyncDoor(reason: string, sessionChanged: boolean): void {
    const door = this.desiredDoor;
    if (!door || (this.doorCommand && !sessionChanged)) return;
    let body: RequestBody | undefined;
    if (door.kind === 'unlocked') {
      const leftMs = Math.round(door.until - performance.now());
      if (leftMs > 0) body = { type: 'door-unlock', durationMs: leftMs };
      else this.desiredDoor = { kind: 'locked' };
    } else if (this.last?.door.unlocked) body = { type: 'door-lock' };
    if (!body) return;
    this.logger?.info({ reason, command: body.type }, 'sending the door state again');
    this.sendDoor(body).catch((error: Error) => {
      if (!(error instanceof HwSupersededError))
        this.logger?.warn({ err: error.message }, 'door state could not be sent again');
    });
  }

  /**
   * Sends the desired state again, unless a command carrying it is already on its way to the
   * same daemon session (after a restart, a pending command is stamped for the old one).
   */
  private resync(reason: string, sessionChanged = false): void {
    this.resyncDoor(reason, sessionChanged);
    if (this.command && !sessionChanged) return;
    let body: RequestBody = { type: 'off' };
    if (this.desired.kind === 'pointing') {
      const now = performance.now();
      const laserLeftMs = Math.round(this.desired.laserUntil - now);
      const strobeLeftMs = Math.round(this.desired.strobeUntil - now);
      if (laserLeftMs > 0) body = this.pointRequest(laserLeftMs, strobeLeftMs > 0 ? strobeLeftMs : undefined);
      else this.desired = { kind: 'off' };
    }
    this.metrics?.resyncs.inc();
    this.logger?.info({ reason, command: body.type }, 'sending the locator state again');
    this.sendCommand(body).catch((error: Error) => {
      if (!(error instanceof HwSupersededError))
        this.logger?.warn({ err: error.message }, 'locator state could not be sent again');
    });
  }

  private onState(state: HardwareState): void {
    const previous = this.last;
    if (previous && previous.sessionId === state.sessionId && previous.seq >= state.seq) return;
    this.last = state;
    if (!previous || previous.sessionId !== state.sessionId) {
      // A daemon that (re)started knows nothing of what we asked for.
      // On first contact a pending command is on its way already (unstamped, so accepted).
      if (previous) this.resync('daemon session changed', true);
      else if (this.desired.kind === 'pointing' || this.desiredDoor?.kind === 'unlocked')
        this.resync('first contact with the daemon');
    } else if (state.cause === 'link-lost' && this.desired.kind === 'pointing') {
      this.resync('daemon lost the link');
    } else if (state.cause === 'laser-max-on-time' && this.desired.kind === 'pointing') {
      // The daemon's limit is the truth; asking again would defeat it.
      this.desired = { kind: 'off' };
    } else if (state.cause === 'door-max-open-time' && this.desiredDoor?.kind === 'unlocked') {
      this.desiredDoor = { kind: 'locked' };
    }
    this.events.emit('state', state);
  }
}

export function createLocatorClient(options: LocatorClientOptions): LocatorClient {
  return new LocatorClient(options);
}
