import * as zmq from 'zeromq';

/** The daemon's end of the link: one ROUTER socket; every peer is known by its routing id. */
export class RouterLink {
  private readonly socket = new zmq.Router({
    linger: 0,
    // A ROUTER never blocks: a reply to a peer that has gone is dropped, which is what we want.
    sendTimeout: 0,
    // Far above the protocol's body limit, so that an oversized body still gets its error reply,
    // while a runaway peer cannot make the daemon buffer megabytes.
    maxMessageSize: 64 * 1024,
  });

  private constructor() {}

  static async bind(
    endpoint: string,
    onMessage: (peer: Buffer, frames: Buffer[]) => void,
  ): Promise<RouterLink> {
    const link = new RouterLink();
    await link.socket.bind(endpoint);
    void (async () => {
      try {
        for await (const [peer, ...frames] of link.socket) if (peer) onMessage(peer, frames);
      } catch {
        // Closed.
      }
    })();
    return link;
  }

  /** The endpoint actually bound (tcp://127.0.0.1:* resolves to the chosen port). */
  get endpoint(): string {
    return this.socket.lastEndpoint ?? '';
  }

  send(peer: Buffer, frames: Buffer[]): void {
    try {
      this.socket.send([peer, ...frames]).catch(() => undefined);
    } catch {
      // Dropped, as ROUTER drops to unknown peers.
    }
  }

  close(): void {
    this.socket.close();
  }
}
