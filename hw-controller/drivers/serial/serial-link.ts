import { randomInt } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { SerialPort } from 'serialport';
import { HwDriverError } from '../../hw-errors.ts';
import { RttEstimator } from '../../rtt-estimator.ts';
import { maxSeq, type ParsedLine } from './serial-frame.ts';
import { SerialParser } from './serial-parser.ts';
import { encodeFrame } from './serial-writer.ts';

export interface SerialLinkOptions {
  path: string;
  baudRate: number;
  logger?: Logger | undefined;
  /** The least one command waits for its OK or ERR; the wait grows with the measured round trips. */
  replyTimeoutMs?: number | undefined;
  /** Attempts per command, the first included. */
  attempts?: number | undefined;
  /** A PING goes out when the line was idle this long, to feed the device's watchdog; 0: never. */
  keepaliveMs?: number | undefined;
  /** First wait before a port that disappeared is opened again (doubling, at most 2 s). */
  reopenMs?: number | undefined;
}

export interface SerialLinkEvents {
  /** The port disappeared and was opened again, and the device answers: its outputs are unknown. */
  restored: [];
  /** The device reported (`OK WDT`) that its watchdog switched everything off. */
  reset: [];
}

type LinkStatus = 'open' | 'gone' | 'closed';

/** Device errors worth another attempt: the line was damaged on the way. */
const retryableErrors = new Set(['CHECKSUM', 'FRAME']);

/**
 * The serial port and its command/reply exchange: one command on the wire at a time, each
 * answered by `OK` or `ERR <code>` with the same sequence number, a timeout per attempt from the
 * measured round trips and bounded retries. Replies that match no waiting command (late,
 * duplicated, or left in the port by an earlier daemon) are ignored; the first sequence number is
 * random so that an earlier process's replies cannot match this one's first commands. A port
 * that disappears (USB unplugged, the pty's other end gone) is opened again until it is back.
 */
export class SerialLink extends EventEmitter<SerialLinkEvents> {
  private port: SerialPort | undefined;
  private seq = randomInt(0, maxSeq);
  private waiting: { seq: number; settle: (line: ParsedLine | undefined) => void } | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private pending = 0;
  private status: LinkStatus = 'gone';
  private reopenTimer: NodeJS.Timeout | undefined;
  private reopenFailures = 0;
  private keepalive: NodeJS.Timeout | undefined;
  private readonly rtt: RttEstimator;

  private constructor(private readonly options: SerialLinkOptions) {
    super();
    const floorMs = options.replyTimeoutMs ?? 200;
    this.rtt = new RttEstimator({ floorMs, ceilingMs: Math.max(floorMs, 5000), initialMs: floorMs });
  }

  static async open(options: SerialLinkOptions): Promise<SerialLink> {
    const link = new SerialLink(options);
    await link.openPort();
    link.scheduleKeepalive();
    return link;
  }

  get isOpen(): boolean {
    return this.status === 'open';
  }

  private async openPort(): Promise<void> {
    const { path, baudRate, logger } = this.options;
    const port = new SerialPort({ path, baudRate, autoOpen: false });
    await new Promise<void>((resolve, reject) =>
      port.open((error) =>
        error ? reject(new HwDriverError(`cannot open serial port ${path}: ${error.message}`)) : resolve(),
      ),
    );
    // Bytes still buffered from before this open belong to another session of the line.
    await new Promise<void>((resolve) => port.flush(() => resolve()));
    port.pipe(new SerialParser()).on('data', (line: ParsedLine) => {
      if (!line.ok) logger?.warn({ problem: line.problem }, 'bad line from the serial device');
      const seq = line.ok ? line.frame.seq : line.seq;
      if (this.waiting && seq === this.waiting.seq) this.waiting.settle(line);
    });
    port.on('error', (error) => logger?.error({ err: error.message }, 'serial port error'));
    port.on('close', () => {
      if (this.port === port && this.status === 'open') this.lost();
    });
    this.port = port;
    this.status = 'open';
  }

  private lost(): void {
    this.status = 'gone';
    this.options.logger?.error({ path: this.options.path }, 'serial port disappeared; reopening it');
    this.waiting?.settle(undefined);
    this.scheduleReopen();
  }

  private scheduleReopen(): void {
    if (this.status !== 'gone' || this.reopenTimer) return;
    const waitMs = Math.min(2000, (this.options.reopenMs ?? 250) * 2 ** this.reopenFailures);
    this.reopenTimer = setTimeout(() => {
      this.reopenTimer = undefined;
      void this.reopen();
    }, waitMs);
  }

  private async reopen(): Promise<void> {
    if (this.status !== 'gone') return;
    try {
      await this.openPort();
      await this.command(['PING']);
    } catch (error) {
      // Read again: it changed while the open and the PING were awaited.
      const status = this.status as LinkStatus;
      if (status === 'closed') return;
      this.reopenFailures++;
      this.options.logger?.debug({ err: (error as Error).message }, 'serial port not back yet');
      if (status === 'open') {
        // Opened but the device is silent: close it and try the whole thing again.
        this.status = 'gone';
        this.port?.close(() => undefined);
      }
      this.scheduleReopen();
      return;
    }
    this.reopenFailures = 0;
    this.options.logger?.info({ path: this.options.path }, 'serial port back; sending the outputs again');
    this.emit('restored');
  }

  /** Sends one command (e.g. ['AIM', '-1.92', '-19.51']) and resolves with the words after OK. */
  command(words: string[]): Promise<string[]> {
    this.pending++;
    const result = this.queue.then(() => this.exchange(words));
    this.queue = result
      .catch(() => undefined)
      .finally(() => {
        this.pending--;
        this.scheduleKeepalive();
      });
    return result;
  }

  private scheduleKeepalive(): void {
    const keepaliveMs = this.options.keepaliveMs ?? 500;
    if (keepaliveMs <= 0 || this.status === 'closed') return;
    clearTimeout(this.keepalive);
    this.keepalive = setTimeout(() => {
      if (this.pending > 0 || this.status !== 'open') return this.scheduleKeepalive();
      this.command(['PING']).catch((error: Error) =>
        this.options.logger?.warn({ err: error.message }, 'serial device missed a keepalive'),
      );
    }, keepaliveMs);
    this.keepalive.unref();
  }

  private async exchange(words: string[]): Promise<string[]> {
    const attempts = this.options.attempts ?? 3;
    const path = this.options.path;
    let lastProblem = 'no reply';
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const port = this.port;
      if (this.status !== 'open' || !port)
        throw new HwDriverError(
          `serial port ${path} is gone (device unplugged?); ${words[0]} not sent, reopening the port`,
        );
      this.seq = (this.seq % maxSeq) + 1;
      const seq = this.seq;
      const timeoutMs = this.rtt.timeoutMs(attempt);
      const sentAt = performance.now();
      const reply = await new Promise<ParsedLine | undefined>((resolve) => {
        // Late timer after a stall of this process: let the poll phase deliver a waiting reply first.
        const timer = setTimeout(() => setImmediate(() => resolve(undefined)), timeoutMs);
        this.waiting = {
          seq,
          settle: (line) => {
            clearTimeout(timer);
            resolve(line);
          },
        };
        port.write(encodeFrame({ seq, words }));
      });
      this.waiting = undefined;
      if (!reply) {
        lastProblem = `no reply within ${timeoutMs} ms`;
        continue;
      }
      if (attempt === 1) this.rtt.sample(performance.now() - sentAt);
      if (!reply.ok) {
        lastProblem = reply.problem;
        continue;
      }
      const [status, ...rest] = reply.frame.words;
      if (status === 'OK') {
        if (rest.includes('WDT')) {
          this.options.logger?.warn({ path }, 'serial device watchdog switched its outputs off');
          queueMicrotask(() => this.emit('reset'));
        }
        return rest.filter((word) => word !== 'WDT');
      }
      if (status === 'ERR' && !retryableErrors.has(rest[0] ?? '')) {
        throw new HwDriverError(`serial device refused ${words.join(' ')}: ERR ${rest.join(' ')}`);
      }
      lastProblem = `${status} ${rest.join(' ')}`;
    }
    throw new HwDriverError(
      `serial device on ${path} did not confirm ${words[0]} after ${attempts} attempts: ${lastProblem}`,
    );
  }

  close(): Promise<void> {
    this.status = 'closed';
    clearTimeout(this.keepalive);
    clearTimeout(this.reopenTimer);
    const port = this.port;
    if (!port?.isOpen) return Promise.resolve();
    return new Promise((resolve) => port.close(() => resolve()));
  }
}
