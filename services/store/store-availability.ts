import { BehaviorSubject, distinctUntilChanged, type Observable } from 'rxjs';
import { StoreError } from './store-error.ts';

/**
 * The database could not be reached or could not take a write (restart, outage, full disk).
 * Nothing was committed by the call that failed; the same call can be made again once the
 * database is back (`StoreAvailability.whenAvailable`).
 */
export class StoreUnavailableError extends StoreError {
  override readonly name = 'StoreUnavailableError';
  constructor(
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`the database is not available (${reason}); nothing was recorded, try again in a moment`, options);
  }
}

export interface StoreAvailabilityState {
  available: boolean;
  /** Why it is not available, in words an operator can act on; absent while available. */
  reason?: string;
  /** Since when (epoch ms) the database has been in this state. */
  sinceMs: number;
}

// Node socket errors that mean "no server there right now".
const socketCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENOENT', // a Unix socket that is not there yet
]);
// SQLSTATE classes and codes that say the server cannot take work now, not that the SQL is wrong:
// 08 connection exception, 53 insufficient resources (53100 disk full), 57P01–57P03 shutdown and
// start-up, 58 system (I/O) errors.
const sqlStatePrefixes = ['08', '53', '58'];
const sqlStates = new Set(['57P01', '57P02', '57P03', '57P05']);
const clientMessages = [
  /connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /client has encountered a connection error/i,
  /cannot use a pool after calling end/i,
  /connection is not queryable/i,
  /no space left on device/i,
];

/** Why `error` means the database is unavailable, or undefined when it is an ordinary error. */
export function unavailabilityReason(error: unknown): string | undefined {
  if (error instanceof StoreUnavailableError) return error.reason;
  if (!(error instanceof Error)) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (socketCodes.has(code)) return `cannot connect: ${code}`;
    if (sqlStates.has(code)) return `server is shutting down or starting (${code})`;
    if (code === '53100') return `disk full (${code}): ${error.message}`;
    if (sqlStatePrefixes.some((p) => code.startsWith(p)) && code.length === 5)
      return `server cannot take work (${code}): ${error.message}`;
  }
  if (clientMessages.some((re) => re.test(error.message))) return error.message;
  // AggregateError from a dual-stack connect holds the socket errors.
  if (error instanceof AggregateError) return error.errors.map(unavailabilityReason).find(Boolean);
  return undefined;
}

export interface StoreAvailabilityOptions {
  /** A trivial query against the database, used to notice that it is back. */
  probe: () => Promise<unknown>;
  /**
   * A small write that needs room on disk, used instead of `probe` after the database refused a
   * write for lack of resources: a full disk still answers reads.
   */
  writeProbe?: () => Promise<unknown>;
  /** First wait between probes while unavailable; doubles up to `maxProbeIntervalMs`. */
  probeIntervalMs?: number;
  maxProbeIntervalMs?: number;
  /**
   * While available, the probe also runs this often, so an outage is noticed (and the kiosks
   * told) before a person or a camera needs the database; 0 turns it off.
   */
  heartbeatMs?: number;
  now?: () => number;
}

// Back for less than this and away again: the wait between probes keeps growing instead of
// starting over (a full disk answers reads but refuses the next write).
const settledMs = 10_000;

/**
 * Whether the database can take work right now, learnt from every query the service makes (a
 * connection-class failure marks it unavailable, any success available again) and, while it is
 * unavailable, from a probe that runs until it answers. Waiting callers and listeners are told
 * when it comes back, so nobody has to poll for themselves.
 */
export class StoreAvailability {
  private readonly subject: BehaviorSubject<StoreAvailabilityState>;
  private readonly now: () => number;
  private probeTimer: NodeJS.Timeout | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private probeDelayMs: number;
  private closed = false;

  /** The current state, then every change. */
  readonly changes$: Observable<StoreAvailabilityState>;

  constructor(private readonly options: StoreAvailabilityOptions) {
    this.now = options.now ?? Date.now;
    this.probeDelayMs = options.probeIntervalMs ?? 250;
    this.subject = new BehaviorSubject<StoreAvailabilityState>({ available: true, sinceMs: this.now() });
    this.changes$ = this.subject.pipe(distinctUntilChanged((a, b) => a.available === b.available));
    const heartbeatMs = options.heartbeatMs ?? 0;
    if (heartbeatMs > 0) {
      this.heartbeatTimer = setInterval(() => {
        if (!this.available || this.closed) return;
        const resources = /^(disk full|server cannot take work \(53)/.test(this.subject.value.reason ?? '');
        const probe = resources && this.options.writeProbe ? this.options.writeProbe : this.options.probe;
        probe().then(
          () => this.noteSuccess(),
          (error: unknown) => this.noteFailure(error),
        );
      }, heartbeatMs);
      this.heartbeatTimer.unref();
    }
  }

  get state(): StoreAvailabilityState {
    return this.subject.value;
  }

  get available(): boolean {
    return this.subject.value.available;
  }

  /** A query failed with `error`; returns the error to throw (unavailable ones typed as such). */
  noteFailure(error: unknown): unknown {
    const reason = unavailabilityReason(error);
    if (reason === undefined) return error;
    const current = this.subject.value;
    if (current.available) {
      if (this.now() - current.sinceMs >= settledMs) this.probeDelayMs = this.options.probeIntervalMs ?? 250;
      this.subject.next({ available: false, reason, sinceMs: this.now() });
    } else if (current.reason !== reason) {
      this.subject.next({ available: false, reason, sinceMs: current.sinceMs });
    }
    this.scheduleProbe();
    return error instanceof StoreUnavailableError
      ? error
      : new StoreUnavailableError(reason, { cause: error });
  }

  /**
   * A query succeeded. After a refusal for lack of resources only a write proves the database
   * can take work again: reads go on working on a full disk.
   */
  noteSuccess(kind: 'read' | 'write' = 'read'): void {
    if (this.subject.value.available) return;
    if (kind === 'read' && this.lackingResources()) return;
    clearTimeout(this.probeTimer);
    this.probeTimer = undefined;
    this.subject.next({ available: true, sinceMs: this.now() });
  }

  /** Resolves as soon as the database is available (at once when it is). */
  whenAvailable(signal?: AbortSignal): Promise<void> {
    if (this.available) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const subscription = this.changes$.subscribe((state) => {
        if (!state.available) return;
        queueMicrotask(() => subscription.unsubscribe());
        resolve();
      });
      signal?.addEventListener('abort', () => {
        subscription.unsubscribe();
        reject(signal.reason);
      });
    });
  }

  /** Stops probing (the database is being closed). */
  close(): void {
    this.closed = true;
    clearTimeout(this.probeTimer);
    clearInterval(this.heartbeatTimer);
    this.subject.complete();
  }

  private lackingResources(): boolean {
    const { available, reason } = this.subject.value;
    return !available && /^(disk full|server cannot take work \(53)/.test(reason ?? '');
  }

  private scheduleProbe(): void {
    if (this.probeTimer || this.closed) return;
    this.probeTimer = setTimeout(() => {
      this.probeTimer = undefined;
      this.probeDelayMs = Math.min(this.probeDelayMs * 2, this.options.maxProbeIntervalMs ?? 2000);
      const writing = this.lackingResources() && this.options.writeProbe !== undefined;
      const probe = writing ? this.options.writeProbe! : this.options.probe;
      probe().then(
        () => this.noteSuccess(writing ? 'write' : 'read'),
        (error: unknown) => {
          // The server answered, if only with an error: it is there.
          if (unavailabilityReason(error) === undefined) this.noteSuccess(writing ? 'write' : 'read');
          else this.noteFailure(error);
        },
      );
    }, this.probeDelayMs);
    // Not unref'd: while the database is away there is work waiting for it to come back.
  }
}
