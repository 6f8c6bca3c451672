import type { Logger } from 'pino';
import { SerialPort } from 'serialport';
import { HwDriverError } from '../../hw-errors.ts';
import { maxSeq, type ParsedLine } from './serial-frame.ts';
import { SerialParser } from './serial-parser.ts';
import { encodeFrame } from './serial-writer.ts';

export interface SerialLinkOptions {
  path: string;
  baudRate: number;
  logger?: Logger | undefined;
  /** How long one command waits for its OK or ERR. */
  replyTimeoutMs?: number;
  /** Attempts per command, the first included. */
  attempts?: number;
}

/** Device errors worth another attempt: the line was damaged on the way. */
const retryableErrors = new Set(['CHECKSUM', 'FRAME']);

/**
 * The serial port and its command/reply exchange: one command on the wire at a time, each
 * answered by `OK` or `ERR <code>` with the same sequence number, a timeout per attempt and
 * bounded retries. Replies that match no waiting command (late, duplicated) are ignored.
 */
export class SerialLink {
  private readonly port: SerialPort;
  private seq = 0;
  private waiting: { seq: number; settle: (line: ParsedLine | undefined) => void } | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(private readonly options: SerialLinkOptions) {
    this.port = new SerialPort({ path: options.path, baudRate: options.baudRate, autoOpen: false });
    const parser = this.port.pipe(new SerialParser());
    parser.on('data', (line: ParsedLine) => {
      if (!line.ok) options.logger?.warn({ problem: line.problem }, 'bad line from the serial device');
      const seq = line.ok ? line.frame.seq : line.seq;
      if (this.waiting && seq === this.waiting.seq) this.waiting.settle(line);
    });
    this.port.on('error', (error) => options.logger?.error({ err: error.message }, 'serial port error'));
  }

  static async open(options: SerialLinkOptions): Promise<SerialLink> {
    const link = new SerialLink(options);
    await new Promise<void>((resolve, reject) =>
      link.port.open((error) =>
        error
          ? reject(new HwDriverError(`cannot open serial port ${options.path}: ${error.message}`))
          : resolve(),
      ),
    );
    return link;
  }

  /** Sends one command (e.g. ['AIM', '-1.92', '-19.51']) and resolves with the words after OK. */
  command(words: string[]): Promise<string[]> {
    const result = this.queue.then(() => this.exchange(words));
    this.queue = result.catch(() => undefined);
    return result;
  }

  private async exchange(words: string[]): Promise<string[]> {
    const attempts = this.options.attempts ?? 3;
    const timeoutMs = this.options.replyTimeoutMs ?? 200;
    let lastProblem = 'no reply';
    for (let attempt = 1; attempt <= attempts; attempt++) {
      this.seq = (this.seq % maxSeq) + 1;
      const seq = this.seq;
      const reply = await new Promise<ParsedLine | undefined>((resolve) => {
        const timer = setTimeout(() => resolve(undefined), timeoutMs);
        this.waiting = {
          seq,
          settle: (line) => {
            clearTimeout(timer);
            resolve(line);
          },
        };
        this.port.write(encodeFrame({ seq, words }));
      });
      this.waiting = undefined;
      if (!reply) {
        lastProblem = `no reply within ${timeoutMs} ms`;
        continue;
      }
      if (!reply.ok) {
        lastProblem = reply.problem;
        continue;
      }
      const [status, ...rest] = reply.frame.words;
      if (status === 'OK') return rest;
      if (status === 'ERR' && !retryableErrors.has(rest[0] ?? '')) {
        throw new HwDriverError(`serial device refused ${words.join(' ')}: ERR ${rest.join(' ')}`);
      }
      lastProblem = `${status} ${rest.join(' ')}`;
    }
    throw new HwDriverError(
      `serial device on ${this.options.path} did not confirm ${words[0]} after ${attempts} attempts: ${lastProblem}`,
    );
  }

  close(): Promise<void> {
    if (!this.port.isOpen) return Promise.resolve();
    return new Promise((resolve) => this.port.close(() => resolve()));
  }
}
