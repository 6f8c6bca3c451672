import { type LedgerStep, reconcile, step } from './ledger-rules.ts';
import { emptyLedgerState, evolve } from './ledger-state.ts';
import {
  defaultLedgerOptions,
  type LedgerDecision,
  type LedgerInput,
  type LedgerOptions,
  type LedgerState,
} from './ledger-types.ts';

export function ledgerOptions(overrides: Partial<LedgerOptions> = {}): LedgerOptions {
  return { ...defaultLedgerOptions, newId: () => globalThis.crypto.randomUUID(), ...overrides };
}

/**
 * The room ledger as an object: holds one state and moves it on. `propose` computes what an
 * input leads to without moving; `adopt` moves once the caller has made the decisions durable.
 * `apply` is both at once, for callers that keep nothing outside memory.
 */
export class RoomLedger {
  readonly options: LedgerOptions;
  private current: LedgerState;
  /** The state each proposal was made from, so that a stale proposal cannot be adopted. */
  private readonly bases = new WeakMap<LedgerStep, LedgerState>();

  constructor(state: LedgerState, options: Partial<LedgerOptions> = {}) {
    this.current = state;
    this.options = ledgerOptions(options);
  }

  static empty(roomId: string, slotIds: readonly string[], options: Partial<LedgerOptions> = {}): RoomLedger {
    return new RoomLedger(emptyLedgerState(roomId, slotIds), options);
  }

  get state(): LedgerState {
    return this.current;
  }

  /** Throws `LedgerInputError` (and changes nothing) when the input makes no sense now. */
  propose(input: LedgerInput): LedgerStep {
    return this.remember(step(this.current, input, this.options));
  }

  proposeReconcile(seenCounts: Readonly<Record<string, number>>, atMs: number): LedgerStep {
    return this.remember(reconcile(this.current, seenCounts, atMs, this.options));
  }

  /** Moves to a proposed state; refuses one that was not proposed from the current state. */
  adopt(proposal: LedgerStep): void {
    if (this.bases.get(proposal) !== this.current) {
      throw new Error('the ledger moved since this proposal was made: propose again');
    }
    this.current = proposal.state;
  }

  private remember(proposal: LedgerStep): LedgerStep {
    this.bases.set(proposal, this.current);
    return proposal;
  }

  apply(input: LedgerInput): LedgerDecision[] {
    const proposal = this.propose(input);
    this.current = proposal.state;
    return proposal.decisions;
  }
}

/** The state a run of decisions leads to from `start`: the ledger replayed. */
export function replay(start: LedgerState, decisions: Iterable<LedgerDecision>): LedgerState {
  let state = start;
  for (const d of decisions) state = evolve(state, d);
  return state;
}
