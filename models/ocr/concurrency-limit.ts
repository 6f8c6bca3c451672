/**
 * At most `limit` tasks at once; the rest wait in arrival order. OCR engines use it so that a
 * burst of labels queues instead of starting one process or inference per label, which on the
 * kiosk's few cores would make every label slow instead of the last one late.
 */
export class ConcurrencyLimit {
  readonly limit: number;
  #running = 0;
  #waiting: Array<{ start: () => void; reject: (error: Error) => void }> = [];
  #idle: Array<() => void> = [];
  #closedWith: Error | undefined;

  constructor(limit: number) {
    if (!Number.isInteger(limit) || limit < 1)
      throw new RangeError(`limit must be a positive integer, not ${limit}`);
    this.limit = limit;
  }

  /** Tasks started or waiting; a caller can use it to refuse work when the queue is long. */
  get pending(): number {
    return this.#running + this.#waiting.length;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#closedWith) throw this.#closedWith;
    if (this.#running < this.limit) this.#running++;
    // A finishing task hands its place straight to the first waiter, so #running stays counted.
    else await new Promise<void>((start, reject) => this.#waiting.push({ start, reject }));
    try {
      return await task();
    } finally {
      this.#release();
    }
  }

  /**
   * Refuses new tasks and rejects the waiting ones with `error`; resolves once the tasks already
   * started have finished, so the caller can then free what they use.
   */
  close(error: Error): Promise<void> {
    this.#closedWith ??= error;
    for (const waiter of this.#waiting.splice(0)) waiter.reject(this.#closedWith);
    if (this.#running === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  #release(): void {
    const next = this.#waiting.shift();
    if (next) {
      next.start();
      return;
    }
    this.#running--;
    if (this.#running === 0) for (const resolve of this.#idle.splice(0)) resolve();
  }
}
