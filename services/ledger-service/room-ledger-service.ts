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
import { LedgerConflictError, type LedgerRepository } from '../store/index.ts';
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
        void service.tick().finally(() => {
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
    const converted = toLedgerObservation(observation);
    return this.enqueue(
      () => ({ type: 'observed', atMs: this.clock.now(), observation: converted }),
      inputId ?? this.nextInputId(),
      this.options.commitAttempts ?? 3,
    );
  }

  /** Checks timeouts now (the timer does this every `tickIntervalMs`). */
  tick(): Promise<CommittedStep> {
    return this.enqueue(() => ({ type: 'tick', atMs: this.clock.now() }), this.nextInputId(), 1);
  }

  /**
   * After a restart: compare the rebuilt state with what the cameras see now (objects per slot,
   * only slots an online camera watches); every difference becomes a state_mismatch flag.
   */
  reconcile(seenCounts: Readonly<Record<string, number>>): Promise<CommittedStep> {
    const atMs = this.clock.now();
    const input: LedgerInput = { type: 'tick', atMs };
    return this.run(
      () => ({ input, proposal: this.ledger.proposeReconcile(seenCounts, atMs) }),
      `${this.bootId}:reconcile:${this.inputCount++}`,
      1,
    );
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
    this.subscription?.unsubscribe();
    clearInterval(this.timer);
    await this.queue.catch(() => undefined);
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
    return this.run(
      () => {
        try {
          return { input, proposal: this.ledger.propose(input) };
        } catch (error) {
          if (error instanceof LedgerInputError) error.inputType = input.type;
          throw error;
        }
      },
      inputId,
      attempts,
    );
  }

  private run(
    decide: () => { input: LedgerInput; proposal: LedgerStep },
    inputId: string,
    attempts: number,
  ): Promise<CommittedStep> {
    const work = this.queue.then(async () => {
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
          if (attempt >= attempts) {
            metrics?.inputs.inc({ type: input.type, outcome: 'failed' });
            logger?.error(
              { input: input.type, inputId, error: (error as Error).message },
              'ledger commit failed',
            );
            throw error;
          }
          await new Promise((resolve) => setTimeout(resolve, this.options.retryDelayMs ?? 250));
        }
      }
    });
    this.queue = work.catch(() => undefined);
    return work;
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
