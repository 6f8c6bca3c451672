import { EventEmitter } from 'node:events';
import type { Observable, Subscription } from 'rxjs';
import type { Logger } from '../logging/index.ts';
import type { FlagsVersion, ReviewRepository } from '../store/index.ts';

export interface FlagFeedOptions {
  review: Pick<ReviewRepository, 'flagsVersion'>;
  /** How often the flags table is re-read while someone watches; it catches every writer. */
  pollMs?: number;
  /** The running ledger's new flags, when it runs in this process: seen at once instead of at the next poll. */
  flags$?: Observable<unknown> | undefined;
  logger?: Logger | undefined;
}

/**
 * Tells the staff pages when the flags changed. The embedded database has one connection and no
 * LISTEN/NOTIFY, so the feed re-reads a fingerprint of the table while anyone listens, and is
 * nudged at once by staff actions and by the ledger's `flags$`.
 */
export class FlagFeed {
  private readonly events = new EventEmitter<{ change: [FlagsVersion] }>();
  private timer: NodeJS.Timeout | undefined;
  private last: FlagsVersion | undefined;
  private checking: Promise<void> | undefined;
  private again = false;
  private ledgerSubscription: Subscription | undefined;
  private closed = false;

  constructor(private readonly options: FlagFeedOptions) {
    if (options.flags$) this.watch(options.flags$);
  }

  /** Re-reads whenever `flags$` (the running ledger's new flags) emits; replaces an earlier one. */
  watch(flags$: Observable<unknown>): void {
    this.ledgerSubscription?.unsubscribe();
    this.ledgerSubscription = flags$.subscribe({ next: () => void this.nudge(), error: () => undefined });
  }

  get current(): FlagsVersion | undefined {
    return this.last;
  }

  /** Calls `listener` with every new version; the returned function stops it. */
  subscribe(listener: (version: FlagsVersion) => void): () => void {
    this.events.on('change', listener);
    if (!this.timer && !this.closed) {
      this.timer = setInterval(() => this.nudge(), this.options.pollMs ?? 1000);
      this.timer.unref();
    }
    return () => {
      this.events.off('change', listener);
      if (this.events.listenerCount('change') === 0 && this.timer) {
        clearInterval(this.timer);
        this.timer = undefined;
      }
    };
  }

  /** Re-reads now; checks that overlap are folded into one more. */
  nudge(): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (this.checking) {
      this.again = true;
      return this.checking;
    }
    this.checking = (async () => {
      do {
        this.again = false;
        try {
          const version = await this.options.review.flagsVersion();
          if (version.version !== this.last?.version) {
            this.last = version;
            this.events.emit('change', version);
          }
        } catch (error) {
          this.options.logger?.warn({ err: error }, 'flag feed could not read the flags');
        }
      } while (this.again && !this.closed);
    })().finally(() => {
      this.checking = undefined;
    });
    return this.checking;
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.ledgerSubscription?.unsubscribe();
    this.events.removeAllListeners();
  }
}
