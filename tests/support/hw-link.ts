import * as zmq from 'zeromq';
import { decodeReply, protocolTag, type Reply } from '../../hw-controller/index.ts';

/**
 * Polls `check` until it returns a value other than undefined. The deadline only stops a test
 * that would otherwise hang; tests assert on the outcome, never on how long it took.
 */
export async function eventually<T>(
  what: string,
  check: () => T | undefined | Promise<T | undefined>,
  deadlineMs = 30_000,
): Promise<T> {
  const until = Date.now() + deadlineMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > until) throw new Error(`gave up waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** A bare DEALER that sends arbitrary frames, for what a well-behaved client never sends. */
export class RawPeer {
  private readonly socket: zmq.Dealer;

  constructor(endpoint: string, receiveTimeoutMs = 5000) {
    this.socket = new zmq.Dealer({ linger: 0, receiveTimeout: receiveTimeoutMs });
    this.socket.connect(endpoint);
  }

  /** Sends frames and returns the first ack or error reply (state messages are skipped). */
  async exchange(frames: (string | Buffer)[]): Promise<Extract<Reply, { type: 'ack' | 'error' }>> {
    await this.socket.send(frames);
    for (;;) {
      const received = await this.socket.receive();
      const decoded = decodeReply(received);
      if (!decoded.ok) throw new Error(`daemon sent a bad reply: ${decoded.message}`);
      if (decoded.message.type !== 'state') return decoded.message;
    }
  }

  /** Sends one request without waiting for its reply (read them with `nextReply`). */
  async send(body: unknown): Promise<void> {
    await this.socket.send([protocolTag, JSON.stringify(body)]);
  }

  /** The next ack or error reply, in the order the daemon sent them. */
  async nextReply(): Promise<Extract<Reply, { type: 'ack' | 'error' }>> {
    for (;;) {
      const decoded = decodeReply(await this.socket.receive());
      if (!decoded.ok) throw new Error(`daemon sent a bad reply: ${decoded.message}`);
      if (decoded.message.type !== 'state') return decoded.message;
    }
  }

  request(body: unknown): Promise<Extract<Reply, { type: 'ack' | 'error' }>> {
    return this.exchange([protocolTag, JSON.stringify(body)]);
  }

  close(): void {
    this.socket.close();
  }
}

export async function simulatorLocator(simulatorUrl: string): Promise<{
  laser: { on: boolean; panDeg: number; tiltDeg: number };
  strobesOn: string[];
}> {
  return (await (await fetch(`${simulatorUrl}/locator`)).json()) as never;
}
