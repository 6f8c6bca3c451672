import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { HwClosedError, HwCommandError, HwLinkTimeoutError } from '../hw-errors.ts';
import type { HwLinkMetrics } from '../link-metrics.ts';
import { decodeReply, encodeMessage } from '../protocol/codec.ts';
import type { HardwareState, Request, RequestBody, RequestType } from '../protocol/messages.ts';
import { RttEstimator } from '../rtt-estimator.ts';
import { DealerLink } from './dealer-link.ts';

export type LinkState = 'connecting' | 'up' | 'down' | 'closed';

export interface RequestChannelOptions {
  endpoint: string;
  logger?: Logger | undefined;
  metrics?: HwLinkMetrics | undefined;
  /** A ping goes out this often, and the daemon expects one at least this often. */
  heartbeatMs: number;
  /**
   * Nothing heard from the daemon for this long, and `missedPingsForDown` pings in a row
   * unanswered within their measured timeout: the link is down and the socket is reopened.
   */
  heartbeatTimeoutMs: number;
  /** The least one attempt waits for its ack; the wait grows with the measured round trips. */
  requestTimeoutMs: number;
  /** At most this long for one attempt, whatever was measured. */
  maxRequestTimeoutMs?: number | undefined;
  missedPingsForDown?: number | undefined;
  /** Attempts per request, the first included. */
  attempts: number;
}

export interface PendingRequest {
  readonly id: number;
  readonly type: RequestType;
  /** The daemon's state in the ack; rejects with HwCommandError, HwLinkTimeoutError, or what `cancel` got. */
  readonly acked: Promise<HardwareState>;
  /** Stops sending it again and rejects `acked` with `error`; a no-op once settled. */
  cancel(error: Error): void;
}

interface InFlight {
  type: RequestType;
  frames: Buffer[];
  attempts: number;
  attemptsLeft: number;
  /** Attempts sent so far; only a reply while it is 1 is a round-trip sample. */
  sent: number;
  firstSentAt: number;
  sentAt: number;
  timer: NodeJS.Timeout | undefined;
  resolve(state: HardwareState): void;
  reject(error: Error): void;
}

export interface RequestChannelEvents {
  link: [LinkState];
  /** Every state the daemon reports, in acks and in its own state messages. */
  state: [HardwareState];
}

/**
 * Requests with ids, acks matched back to them, a timeout per attempt and bounded retries,
 * heartbeats, and the link's health. Requests are idempotent by design (each sets an absolute
 * state), so an attempt that arrives twice does no harm.
 */
export class RequestChannel extends EventEmitter<RequestChannelEvents> {
  private readonly link: DealerLink;
  private readonly inFlight = new Map<number, InFlight>();
  private nextId = 1;
  private lastHeardAt = performance.now();
  private state: LinkState = 'connecting';
  private readonly heartbeat: NodeJS.Timeout;
  private missedPings = 0;
  /** Pings measure the link alone; each command type also has its own (it waits for the driver). */
  private readonly estimators = new Map<RequestType, RttEstimator>();

  constructor(private readonly options: RequestChannelOptions) {
    super();
    this.link = new DealerLink(options.endpoint, (frames) => this.onFrames(frames));
    options.metrics?.linkUp.set(0);
    this.heartbeat = setInterval(() => this.beat(), options.heartbeatMs);
    this.beat();
  }

  get linkState(): LinkState {
    return this.state;
  }

  private estimator(type: RequestType): RttEstimator {
    let estimator = this.estimators.get(type);
    if (!estimator) {
      estimator = new RttEstimator({
        floorMs: this.options.requestTimeoutMs,
        ceilingMs: this.options.maxRequestTimeoutMs ?? 10_000,
        initialMs: this.options.requestTimeoutMs,
      });
      this.estimators.set(type, estimator);
    }
    return estimator;
  }

  /** How long attempt `attempt` of a `type` request waits: its own measurements, else the link's. */
  timeoutMs(type: RequestType, attempt = 1): number {
    const own = this.estimator(type);
    const link = this.estimator('ping');
    return own.smoothedMs === undefined
      ? link.timeoutMs(attempt)
      : Math.max(own.timeoutMs(attempt), link.timeoutMs(attempt));
  }

  send(body: RequestBody, attempts = this.options.attempts): PendingRequest {
    const id = this.nextId++;
    const type = body.type;
    let settle: Pick<InFlight, 'resolve' | 'reject'> | undefined;
    const acked = new Promise<HardwareState>((resolve, reject) => {
      settle = { resolve, reject };
    });
    if (this.state === 'closed') {
      settle!.reject(new HwClosedError('the locator client is closed'));
      return { id, type, acked, cancel: () => undefined };
    }
    const entry: InFlight = {
      type,
      frames: encodeMessage({ ...body, id } as Request),
      attempts,
      attemptsLeft: attempts,
      sent: 0,
      firstSentAt: performance.now(),
      sentAt: 0,
      timer: undefined,
      ...settle!,
    };
    this.inFlight.set(id, entry);
    this.attempt(id, entry);
    return {
      id,
      type,
      acked,
      cancel: (error) => this.finish(id, 'superseded', () => entry.reject(error)),
    };
  }

  private attempt(id: number, entry: InFlight): void {
    entry.attemptsLeft--;
    entry.sent++;
    entry.sentAt = performance.now();
    this.link.send(entry.frames);
    entry.timer = setTimeout(
      // After a stall of this process the ack may already be waiting in the socket: the poll phase
      // reads it after the timers, so look again then before calling the attempt lost.
      () => setImmediate(() => this.attemptTimedOut(id, entry)),
      this.timeoutMs(entry.type, entry.sent),
    );
  }

  private attemptTimedOut(id: number, entry: InFlight): void {
    if (this.inFlight.get(id) !== entry) return;
    if (entry.type === 'ping') this.missedPings++;
    if (entry.attemptsLeft > 0) {
      this.options.metrics?.retries.inc({ type: entry.type });
      this.attempt(id, entry);
      return;
    }
    const waitedMs = Math.round(performance.now() - entry.firstSentAt);
    this.finish(id, 'timeout', () =>
      entry.reject(
        new HwLinkTimeoutError(
          `no ack for ${entry.type} (request ${id}) from the hw-controller at ${this.options.endpoint} after ${entry.attempts} attempts (${waitedMs} ms in all)`,
        ),
      ),
    );
  }

  private finish(id: number, outcome: string, settle: () => void): void {
    const entry = this.inFlight.get(id);
    if (!entry) return;
    clearTimeout(entry.timer);
    this.inFlight.delete(id);
    if (entry.type !== 'ping') this.options.metrics?.requests.inc({ type: entry.type, outcome });
    settle();
  }

  private onFrames(frames: Buffer[]): void {
    const decoded = decodeReply(frames);
    if (!decoded.ok) {
      this.options.logger?.warn(
        { code: decoded.code, problem: decoded.message },
        'hw-controller sent a bad message',
      );
      return;
    }
    this.lastHeardAt = performance.now();
    if (this.state === 'connecting' || this.state === 'down') this.setState('up');
    const reply = decoded.message;
    if (reply.type !== 'state') {
      const entry = reply.id === null ? undefined : this.inFlight.get(reply.id);
      if (entry && reply.id !== null) {
        const rttMs = performance.now() - entry.sentAt;
        this.options.metrics?.roundTrip.observe({ type: entry.type }, rttMs / 1000);
        if (entry.sent === 1) this.estimator(entry.type).sample(rttMs);
        if (entry.type === 'ping') this.missedPings = 0;
        if (reply.type === 'ack') this.finish(reply.id, 'ok', () => entry.resolve(reply.state));
        else
          this.finish(reply.id, 'refused', () => entry.reject(new HwCommandError(reply.code, reply.message)));
      }
    }
    this.emit('state', reply.state);
  }

  private beat(): void {
    if (this.state === 'closed') return;
    const quietMs = performance.now() - this.lastHeardAt;
    // Silence alone is not enough: on a starved box this process itself may have been the one
    // not running. Pings that went out and were not answered within their measured timeout are.
    if (
      this.state === 'up' &&
      quietMs > this.options.heartbeatTimeoutMs &&
      this.missedPings >= (this.options.missedPingsForDown ?? 3)
    ) {
      this.options.logger?.warn(
        {
          endpoint: this.options.endpoint,
          quietMs: Math.round(quietMs),
          missedPings: this.missedPings,
          pingTimeoutMs: this.timeoutMs('ping'),
        },
        'hw-controller link lost; reconnecting',
      );
      this.missedPings = 0;
      this.setState('down');
      this.options.metrics?.reconnects.inc();
      this.link.reopen();
    }
    // A ping nobody answers is not an error: the link state already says so.
    this.send({ type: 'ping' }, 1).acked.catch(() => undefined);
  }

  private setState(state: LinkState): void {
    if (this.state === state) return;
    this.state = state;
    this.options.metrics?.linkUp.set(state === 'up' ? 1 : 0);
    if (state === 'up')
      this.options.logger?.info({ endpoint: this.options.endpoint }, 'hw-controller link up');
    this.emit('link', state);
  }

  close(): void {
    if (this.state === 'closed') return;
    clearInterval(this.heartbeat);
    this.setState('closed');
    for (const [id, entry] of [...this.inFlight])
      this.finish(id, 'closed', () => entry.reject(new HwClosedError('the locator client was closed')));
    this.link.close();
  }
}
