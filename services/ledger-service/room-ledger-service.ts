import { map, Observable, Subject, type Subscription } from 'rxjs';
import type { PipelineObservation } from '../../pipelines/index.ts';
import {
  type KioskMessage,
  type LedgerCommand,
  type LedgerDecision,
  type LedgerInput,
  LedgerInputError,
  type LedgerObservation,
  type LedgerOptions,
  type LedgerState,
  type LedgerStep,
  type NewFlag,
  RoomLedger,
} from '../ledger/index.ts';
import type { Logger } from '../logging/index.ts';
import {
  LedgerConflictError,
  type LedgerRepository,
  type StoreAvailability,
  StoreUnavailableError,
  unavailabilityReason,
} from '../store/index.ts';
import type { LedgerMetrics } from './ledger-metrics.ts';

/** One input's decisions after they were committed: the only thing listeners are ever told. */
export interface CommittedStep {
  inputId: string;
  input: LedgerInput;
  decisions: LedgerDecision[];
  /** The event id each decision was recorded under (instructions: their fact's; transient: null). */
  eventIds: Array<number | null>;
}

export type LocatorCommand = Extract<LedgerDecision, { type: 'locator' }>;

export interface Clock {
  now(): number;
}

export interface RoomLedgerServiceOptions {
  roomId: string;
  repository: LedgerRepository;
  /** The room pipeline's observations; the service subscribes at start and unsubscribes at stop. */
  observations$?: Observable<PipelineObservation>;
  ledger?: Partial<LedgerOptions>;
  /** The ledger's clock (default: the wall clock). Tests pass a clock they move by hand. */
  clock?: Clock;
  /** How often timeouts are checked; 0 means only when `tick()` is called. */
  tickIntervalMs?: number;
  /** A commit of an observation that fails is retried this many times before it is given up. */
  commitAttempts?: number;
  retryDelayMs?: number;
  logger?: Pick<Logger, 'info' | 'warn' | 'error'>;
  metrics?: LedgerMetrics;
  /**
   * The database's availability (`db.availability`). With it, observations that arrive while the
   * database cannot take them are held in order and committed when it is back, kiosk commands
   * are refused at once with `StoreUnavailableError`, and ticks wait.
   */
  availability?: StoreAvailability;
  /** Observations held at most while the database is away; more are dropped and the room re-checked. */
  backlogLimit?: number;
  /**
   * What the cameras see now, objects per slot: asked after an outage that dropped observations,
   * and the differences become state_mismatch flags as after a restart.
   */
  recheck?: () => Promise<Readonly<Record<string, number>>>;
}

/** An observation the ledger could not keep while the database was away (the backlog was full). */
export class ObservationDroppedError extends Error {
  override readonly name = 'ObservationDroppedError';
}

interface HeldObservation {
  inputId: string;
  input: Extract<LedgerInput, { type: 'observed' }>;
  resolve(step: CommittedStep): void;
  reject(error: unknown): void;
}

/**
 * The room ledger in the running service: every input (pipeline observation, kiosk command,
 * clock tick) goes through one queue, is decided by the pure ledger, committed to the store in
 * one transaction, and only then adopted and told to listeners. A crash between commit and
 * telling loses no fact; a crash before commit loses only what nobody was told.
 */
export class RoomLedgerService {
  private ledger: RoomLedger;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly committed = new Subject<CommittedStep>();
  private subscription: Subscription | undefined;
  private timer: NodeJS.Timeout | undefined;
  private tickQueued = false;
  private inputCount = 0;
  private readonly clock: Clock;
  private readonly bootId = globalThis.crypto.randomUUID();
  /** Observations that arrived while the database was away, oldest first. */
  private readonly held: HeldObservation[] = [];
  private droppedWhileAway = 0;
  private recheckOnReturn = false;
  private availabilitySubscription: Subscription | undefined;
  private stopped = false;

  /** Committed steps, in the order they were committed. */
  readonly committed$: Observable<CommittedStep> = this.committed.asObservable();
  /** What the kiosk should show, after it is committed. */
  readonly kiosk$: Observable<KioskMessage> = this.decisionsOf('tell_kiosk').pipe(map((d) => d.message));
  /** Where the locator should point (or that it should switch off), after it is committed. */
  readonly locator$: Observable<LocatorCommand> = this.decisionsOf('locator');
  /** Flags as they are raised, after they are committed. */
  readonly flags$: Observable<NewFlag> = this.decisionsOf('flag_raised').pipe(map((d) => d.flag));

  private constructor(
    private readonly options: RoomLedgerServiceOptions,
    state: LedgerState,
  ) {
    this.clock = options.clock ?? { now: () => Date.now() };
    this.ledger = new RoomLedger(state, options.ledger);
    // When the database comes back, what was held is committed before anything newer.
    this.availabilitySubscription = options.availability?.changes$.subscribe((change) => {
      if (change.available && (this.held.length > 0 || this.recheckOnReturn)) this.scheduleDrain();
    });
  }

  /**
   * What the start closed that a dead process had left open (abandoned deliveries and pickups,
   * never_placed flags), as committed before the service took any input.
   */
  recovery: CommittedStep | undefined;

  /**
   * Rebuilds the room's state from the store, closes what a previous process left open (committed
   * before anything else), then starts taking observations and ticks. A start whose recovery cannot
   * be committed fails: taking inputs over sessions nobody serves would match parcels wrongly.
   */
  static async start(options: RoomLedgerServiceOptions): Promise<RoomLedgerService> {
    const clock = options.clock ?? { now: () => Date.now() };
    const state = await options.repository.loadLedgerState(options.roomId, clock.now());
    const service = new RoomLedgerService(options, state);
    options.logger?.info(
      {
        room: options.roomId,
        packages: Object.keys(state.packages).length,
        awaiting: state.awaiting.length,
        openFlags: Object.keys(state.flags).length,
        deliverySessions: Object.keys(state.deliverySessions).length,
        pickupSessions: Object.keys(state.pickupSessions).length,
      },
      'room ledger restored',
    );
    service.recovery = await service.recover();
    service.subscription = options.observations$?.subscribe({
      next: (observation) => {
        void service.observe(observation).catch(() => undefined);
      },
      error: (error: Error) => options.logger?.error({ error: error.message }, 'observation stream failed'),
    });
    const every = options.tickIntervalMs ?? 1000;
    if (every > 0) {
      service.timer = setInterval(() => {
        if (service.tickQueued) return;
        service.tickQueued = true;
        service
          .tick()
          .catch((error: Error) =>
            options.logger?.warn({ error: error.message }, 'ledger tick failed; the next one retries'),
          )
          .finally(() => {
            service.tickQueued = false;
          });
      }, every);
      service.timer.unref();
    }
    return service;
  }

  /** The `restarted` input: this process lifetime begins, the previous one's sessions end. */
  private async recover(): Promise<CommittedStep> {
    const step = await this.enqueue(
      () => ({ type: 'restarted', atMs: this.clock.now() }),
      `${this.bootId}:restarted`,
      this.options.commitAttempts ?? 3,
    );
    const count = (type: LedgerDecision['type']) => step.decisions.filter((d) => d.type === type).length;
    const summary = {
      room: this.options.roomId,
      deliveriesAbandoned: count('delivery_abandoned'),
      pickupsAbandoned: count('pickup_abandoned'),
      neverPlaced: step.decisions.filter((d) => d.type === 'flag_raised' && d.flag.kind === 'never_placed')
        .length,
    };
    if (summary.deliveriesAbandoned + summary.pickupsAbandoned + summary.neverPlaced > 0) {
      this.options.logger?.warn(summary, 'room ledger closed what the previous process left open');
    } else {
      this.options.logger?.info(summary, 'room ledger found nothing left open');
    }
    return step;
  }

  /** The state as committed (never ahead of the store). */
  get state(): LedgerState {
    return this.ledger.state;
  }

  /**
   * A kiosk command. Resolves with the committed step; rejects with `LedgerInputError` when the
   * command makes no sense now (nothing changes), or with the store's error when it could not be
   * committed (nothing changes either). `inputId` makes a retried command apply once.
   */
  submit(command: LedgerCommand, inputId?: string): Promise<CommittedStep> {
    const away = this.awayReason();
    if (away !== undefined) {
      this.options.metrics?.inputs.inc({ type: command.type, outcome: 'unavailable' });
      return Promise.reject(new StoreUnavailableError(away));
    }
    return this.enqueue(
      () => ({ ...command, atMs: this.clock.now() }) as LedgerInput,
      inputId ?? this.nextInputId(),
      1,
    );
  }

  /**
   * Takes one pipeline observation through the ledger (what the subscription does). An
   * `inputId` that was applied before makes it a no-op, for a sender that resends after a crash.
   */
  observe(observation: PipelineObservation, inputId?: string): Promise<CommittedStep> {
    // Stamped on arrival: committed after an outage, it still says when the camera saw it.
    const input = {
      type: 'observed',
      atMs: this.clock.now(),
      observation: toLedgerObservation(observation),
    } as const satisfies LedgerInput;
    const id = inputId ?? this.nextInputId();
    // A held observation settles later; the queue must not wait for that, so its turn hands back
    // the promise boxed rather than resolving to it.
    return this.serial(async (): Promise<{ later: Promise<CommittedStep> } | CommittedStep> => {
      // Behind what is held, or with the database known to be away: hold it too, in order.
      if (this.held.length > 0 || this.awayReason() !== undefined) return { later: this.hold(id, input) };
      try {
        return await this.commit(() => this.proposeOrThrow(input), id, this.options.commitAttempts ?? 3);
      } catch (error) {
        if (this.options.availability && unavailabilityReason(error) !== undefined)
          return { later: this.hold(id, input) };
        throw error;
      }
    }).then((outcome) => ('later' in outcome ? outcome.later : outcome));
  }

  /** Checks timeouts now (the timer does this every `tickIntervalMs`). */
  tick(): Promise<CommittedStep> {
    const input: LedgerInput = { type: 'tick', atMs: this.clock.now() };
    const inputId = this.nextInputId();
    return this.serial(async () => {
      // A tick is a question about now: while the database is away it waits for the next one, and
      // held observations go first so that nothing times out that the cameras saw in time.
      if (this.held.length > 0 || this.awayReason() !== undefined) return this.nothing(inputId, input);
      try {
        return await this.commit(() => this.proposeOrThrow(input), inputId, 1);
      } catch (error) {
        if (this.options.availability && unavailabilityReason(error) !== undefined)
          return this.nothing(inputId, input);
        throw error;
      }
    });
  }

  /** Observations held while the database is away, waiting to be committed. */
  get heldObservations(): number {
    return this.held.length;
  }

  /**
   * After a restart: compare the rebuilt state with what the cameras see now (objects per slot,
   * only slots an online camera watches); every difference becomes a state_mismatch flag.
   */
  reconcile(seenCounts: Readonly<Record<string, number>>): Promise<CommittedStep> {
    const atMs = this.clock.now();
    const input: LedgerInput = { type: 'tick', atMs };
    const work = this.run(
      () => ({ input, proposal: this.ledger.proposeReconcile(seenCounts, atMs) }),
      `${this.bootId}:reconcile:${this.inputCount++}`,
      1,
    );
    // A check the database could not take is made again when it is back.
    work.catch((error: unknown) => {
      if (this.options.recheck && unavailabilityReason(error) !== undefined) this.recheckOnReturn = true;
    });
    return work;
  }

  /**
   * Re-reads the room's state from the store, after something outside the ledger changed rows it
   * relies on (a staff page resolving a flag or marking a package returned).
   */
  reload(): Promise<void> {
    const work = this.queue.then(() => this.reread(this.clock.now()));
    this.queue = work.catch(() => undefined);
    return work;
  }

  /** Stops taking observations and ticks, and waits for what is in the queue. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.subscription?.unsubscribe();
    this.availabilitySubscription?.unsubscribe();
    clearInterval(this.timer);
    await this.queue.catch(() => undefined);
    if (this.held.length > 0)
      this.options.logger?.error(
        { held: this.held.length },
        'stopped with observations the database never took; the next start checks the room against the cameras',
      );
    for (const entry of this.held.splice(0))
      entry.reject(new StoreUnavailableError('the service stopped before the database came back'));
    this.committed.complete();
  }

  private decisionsOf<T extends LedgerDecision['type']>(
    type: T,
  ): Observable<Extract<LedgerDecision, { type: T }>> {
    return new Observable((subscriber) =>
      this.committed$.subscribe({
        next: (step) => {
          for (const d of step.decisions)
            if (d.type === type) subscriber.next(d as Extract<LedgerDecision, { type: T }>);
        },
        complete: () => subscriber.complete(),
      }),
    );
  }

  private async reread(nowMs: number): Promise<void> {
    const state = await this.options.repository.loadLedgerState(this.options.roomId, nowMs);
    this.ledger = new RoomLedger(state, this.ledger.options);
  }

  private decideOrThrow(decide: () => { input: LedgerInput; proposal: LedgerStep }) {
    try {
      return decide();
    } catch (error) {
      if (error instanceof LedgerInputError) {
        this.options.metrics?.inputs.inc({ type: error.inputType, outcome: 'refused' });
        this.options.logger?.warn(
          { code: error.code, input: error.inputType, error: error.message },
          'ledger input refused',
        );
      }
      throw error;
    }
  }

  private nextInputId(): string {
    this.inputCount++;
    return `${this.bootId}:${this.inputCount}`;
  }

  private enqueue(makeInput: () => LedgerInput, inputId: string, attempts: number): Promise<CommittedStep> {
    // Stamped on arrival, not when the queue gets to it: a slow commit must not delay the clock.
    const input = makeInput();
    return this.serial(() => {
      // Observations from an outage are still waiting: a command must not overtake them.
      if (this.held.length > 0)
        throw new StoreUnavailableError('the observations of an outage are still being committed');
      return this.commit(() => this.proposeOrThrow(input), inputId, attempts);
    });
  }

  private proposeOrThrow(input: LedgerInput): { input: LedgerInput; proposal: LedgerStep } {
    try {
      return { input, proposal: this.ledger.propose(input) };
    } catch (error) {
      if (error instanceof LedgerInputError) error.inputType = input.type;
      throw error;
    }
  }

  private run(
    decide: () => { input: LedgerInput; proposal: LedgerStep },
    inputId: string,
    attempts: number,
  ): Promise<CommittedStep> {
    return this.serial(() => this.commit(decide, inputId, attempts));
  }

  /** Runs `work` after everything queued before it: the one order in which the ledger decides. */
  private serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Why the database cannot take work now, or undefined when it can (or nobody watches it). */
  private awayReason(): string | undefined {
    const availability = this.options.availability;
    if (!availability || availability.available) return undefined;
    return availability.state.reason ?? 'unavailable';
  }

  /** An input that changed nothing (a tick while the database is away). */
  private nothing(inputId: string, input: LedgerInput): CommittedStep {
    return { inputId, input, decisions: [], eventIds: [] };
  }

  /**
   * Keeps an observation for when the database is back. Its promise settles then (or rejects with
   * `ObservationDroppedError` at once when the backlog is full); it is already handled, so a caller
   * that ignores it leaves no unhandled rejection behind.
   */
  private hold(inputId: string, input: Extract<LedgerInput, { type: 'observed' }>): Promise<CommittedStep> {
    const { logger, metrics } = this.options;
    const limit = this.options.backlogLimit ?? 2000;
    let settle!: Pick<HeldObservation, 'resolve' | 'reject'>;
    const promise = new Promise<CommittedStep>((resolve, reject) => {
      settle = { resolve, reject };
    });
    promise.catch(() => undefined);
    if (this.held.length >= limit) {
      this.droppedWhileAway++;
      this.recheckOnReturn = Boolean(this.options.recheck);
      metrics?.inputs.inc({ type: 'observed', outcome: 'dropped' });
      if (this.droppedWhileAway === 1)
        logger?.error(
          { held: this.held.length, reason: this.awayReason() },
          'observation backlog full: newer observations are dropped; the room is checked against the cameras when the database is back',
        );
      settle.reject(new ObservationDroppedError(`the backlog of ${limit} observations is full`));
      return promise;
    }
    if (this.held.length === 0)
      logger?.warn(
        { reason: this.awayReason() ?? 'a commit failed' },
        'database unavailable: observations are held and committed in order when it is back',
      );
    this.held.push({ inputId, input, ...settle });
    metrics?.inputs.inc({ type: 'observed', outcome: 'held' });
    metrics?.held.set(this.held.length);
    // It may already be back (the failure was brief): then there is no change left to wait for.
    if (this.awayReason() === undefined) this.scheduleDrain();
    return promise;
  }

  private draining = false;

  private scheduleDrain(): void {
    if (this.draining || this.stopped) return;
    this.draining = true;
    this.serial(() => this.drain())
      .catch((error: Error) =>
        this.options.logger?.error({ error: error.message }, 'committing the held observations failed'),
      )
      .finally(() => {
        this.draining = false;
        // It went away and came back while this drain ran: the change found it busy.
        if (
          !this.stopped &&
          this.awayReason() === undefined &&
          (this.held.length > 0 || this.recheckOnReturn)
        )
          this.scheduleDrain();
      });
  }

  /** Commits the held observations in the order they arrived; stops where the database goes away again. */
  private async drain(): Promise<void> {
    const { logger, metrics } = this.options;
    if (this.stopped || this.awayReason() !== undefined) return;
    const waiting = this.held.length;
    let committed = 0;
    let refused = 0;
    try {
      // A commit cut off by the outage may have landed after all: the store is the truth.
      // Read as of the oldest held observation, so each keeps the moment the camera saw it.
      if (waiting > 0) await this.reread(this.held[0]!.input.atMs);
      while (this.held.length > 0) {
        const entry = this.held[0]!;
        try {
          const step = await this.commit(() => this.proposeOrThrow(entry.input), entry.inputId, 1);
          this.held.shift();
          committed++;
          entry.resolve(step);
        } catch (error) {
          if (unavailabilityReason(error) !== undefined) throw error;
          // Refused by the rules, as it would have been at the time: it is dropped like any refusal.
          this.held.shift();
          refused++;
          entry.reject(error);
        }
        metrics?.held.set(this.held.length);
      }
    } catch (error) {
      if (unavailabilityReason(error) === undefined) throw error;
      logger?.warn(
        { committed, left: this.held.length, error: (error as Error).message },
        'database went away again while held observations were committed',
      );
      return;
    }
    if (waiting > 0 || this.droppedWhileAway > 0)
      logger?.info(
        { committed, refused, dropped: this.droppedWhileAway },
        'database back: held observations committed in order',
      );
    this.droppedWhileAway = 0;
    if (this.recheckOnReturn && this.options.recheck) {
      this.recheckOnReturn = false;
      // Outside the queue: asking the cameras must not hold up the inputs behind it.
      const recheck = this.options.recheck;
      queueMicrotask(() => {
        recheck()
          .then((counts) => this.reconcile(counts))
          .then((step) =>
            logger?.info(
              { flags: step.decisions.filter((d) => d.type === 'flag_raised').length },
              'room state checked against the cameras after the outage',
            ),
          )
          .catch((error: Error) =>
            logger?.error({ error: error.message }, 'room state check after the outage failed'),
          );
      });
    }
  }

  /** Decides and commits one input; the caller has its turn in the queue. */
  private async commit(
    decide: () => { input: LedgerInput; proposal: LedgerStep },
    inputId: string,
    attempts: number,
  ): Promise<CommittedStep> {
    const { metrics, logger } = this.options;
    let { input, proposal } = this.decideOrThrow(decide);
    let reread = false;
    const started = process.hrtime.bigint();
    for (let attempt = 1; ; attempt++) {
      try {
        const applied = await this.options.repository.applyBatch(this.options.roomId, {
          inputId,
          input,
          decisions: proposal.decisions,
        });
        if (!applied.applied) {
          // Applied before (a retried command): the store is the truth, so re-read it.
          metrics?.inputs.inc({ type: input.type, outcome: 'duplicate' });
          await this.reread(input.atMs);
          return { inputId, input, decisions: [], eventIds: [] };
        }
        this.ledger.adopt(proposal);
        metrics?.commitSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
        metrics?.inputs.inc({ type: input.type, outcome: 'committed' });
        const step: CommittedStep = {
          inputId,
          input,
          decisions: proposal.decisions,
          eventIds: applied.eventIdByDecision,
        };
        for (const d of proposal.decisions) {
          if (d.type === 'flag_raised') {
            metrics?.flags.inc({ kind: d.flag.kind });
            logger?.warn({ flag: d.flag.id, kind: d.flag.kind, slot: d.flag.slotId }, d.flag.summary);
          }
        }
        if (proposal.decisions.length > 0) this.committed.next(step);
        return step;
      } catch (error) {
        if (error instanceof LedgerConflictError && !reread) {
          // The rows changed behind the ledger (staff edits): decide again from what they say.
          reread = true;
          logger?.warn({ input: input.type, inputId, error: error.message }, 'ledger re-read the store');
          await this.reread(input.atMs);
          ({ input, proposal } = this.decideOrThrow(decide));
          attempt--;
          continue;
        }
        // With someone watching the database, waiting for it is their job, not a blind retry's.
        const away = this.options.availability && unavailabilityReason(error) !== undefined;
        if (away || attempt >= attempts) {
          metrics?.inputs.inc({ type: input.type, outcome: away ? 'unavailable' : 'failed' });
          logger?.[away ? 'warn' : 'error'](
            { input: input.type, inputId, error: (error as Error).message },
            away ? 'ledger commit failed: the database is unavailable' : 'ledger commit failed',
          );
          throw error;
        }
        await new Promise((resolve) => setTimeout(resolve, this.options.retryDelayMs ?? 250));
      }
    }
  }
}

/** The pipeline's observation in the ledger's terms (its pictures become the evidence). */
export function toLedgerObservation(observation: PipelineObservation): LedgerObservation {
  if (!('slotId' in observation)) {
    return observation.kind === 'camera_offline'
      ? { kind: 'camera_offline', cameraId: observation.cameraId, reason: observation.reason }
      : { kind: 'camera_online', cameraId: observation.cameraId };
  }
  const { x, y, width, height } = observation.box;
  return {
    kind: observation.kind,
    slotId: observation.slotId,
    slots: observation.slots,
    cameraId: observation.cameraId,
    box: { x, y, width, height },
    confidence: observation.confidence,
    pictures: observation.evidence
      ? { frameJpeg: observation.evidence.frameJpeg, cropJpeg: observation.evidence.cropJpeg }
      : undefined,
  };
}
