import * as zmq from 'zeromq';

/**
 * The service's end of the link: one DEALER socket connected to the daemon's ROUTER. ZeroMQ
 * reconnects the TCP connection by itself; `reopen` throws the socket away with whatever it had
 * queued, so that commands written while the daemon was unreachable are not delivered late.
 */
export class DealerLink {
  private socket: zmq.Dealer | undefined;
  private closed = false;

  constructor(
    readonly endpoint: string,
    private readonly onFrames: (frames: Buffer[]) => void,
    private readonly reconnectIntervalMs = 100,
  ) {
    this.open();
  }

  private open(): void {
    const socket = new zmq.Dealer({
      linger: 0,
      // Never block a caller: a message that cannot be queued is dropped and the retry logic resends it.
      sendTimeout: 0,
      reconnectInterval: this.reconnectIntervalMs,
      reconnectMaxInterval: 1000,
      maxMessageSize: 1 << 20,
    });
    socket.connect(this.endpoint);
    this.socket = socket;
    void (async () => {
      try {
        for await (const frames of socket) this.onFrames(frames);
      } catch {
        // The socket was closed (reopen or close); its replacement has its own loop.
      }
    })();
  }

  /** Queues one message; false when it could not be queued (it is then lost, as on a bad link). */
  send(frames: Buffer[]): boolean {
    const socket = this.socket;
    if (!socket || this.closed) return false;
    try {
      socket.send(frames).catch(() => undefined);
      return true;
    } catch {
      return false;
    }
  }

  reopen(): void {
    if (this.closed) return;
    this.socket?.close();
    this.open();
  }

  close(): void {
    this.closed = true;
    this.socket?.close();
    this.socket = undefined;
  }
}
