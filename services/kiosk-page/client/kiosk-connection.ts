import type { ClientMessage, ServerMessage, SessionView } from '../../kiosk/kiosk-protocol.ts';

/** A client message as the page writes it: the connection adds the id. */
type WithoutId<M> = M extends unknown ? Omit<M, 'id'> : never;
export type Outgoing = WithoutId<ClientMessage>;
export type ErrorMessage = Extract<ServerMessage, { type: 'error' }>;

export class KioskRequestError extends Error {
  constructor(readonly reply: ErrorMessage) {
    super(reply.message);
    this.name = 'KioskRequestError';
  }
}

export interface ConnectionEvents {
  /** Authenticated (again): the device's session as the server holds it. */
  onWelcome(session: SessionView): void;
  /** A message the server sent on its own (placed, picked_up, speech, locator…). */
  onPush(message: ServerMessage): void;
  onStatus(status: 'connecting' | 'online' | 'offline', detail?: string): void;
}

interface Pending {
  resolve(message: ServerMessage): void;
  reject(error: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

/** The demo device when the page is opened on the service's own machine, else the URL fragment. */
async function deviceCredentials(): Promise<{ deviceId: string; token: string; wsPath: string }> {
  const fragment = new URLSearchParams(location.hash.slice(1));
  const deviceId = fragment.get('device');
  const token = fragment.get('token');
  if (deviceId && token) return { deviceId, token, wsPath: '/kiosk/ws' };
  const response = await fetch('/kiosk/device', { cache: 'no-store' });
  if (!response.ok)
    throw new Error('this kiosk has no device id and token: open /kiosk#device=ID&token=TOKEN');
  return (await response.json()) as { deviceId: string; token: string; wsPath: string };
}

/**
 * One WebSocket to the service, authenticated with `hello`, reconnected with back-off whenever it
 * drops. Requests carry an id and resolve with their direct reply (an `error` reply rejects).
 */
export class KioskConnection {
  private socket: WebSocket | undefined;
  private readonly pending = new Map<string, Pending>();
  private nextId = 1;
  private retryMs = 500;
  private authenticated = false;

  constructor(private readonly events: ConnectionEvents) {}

  start(): void {
    void this.open();
  }

  get online(): boolean {
    return this.authenticated;
  }

  request(message: Outgoing, timeoutMs = 15_000): Promise<ServerMessage> {
    const socket = this.socket;
    if (!socket || socket.readyState !== WebSocket.OPEN || !this.authenticated)
      return Promise.reject(new Error('Not connected to the service. Trying again…'));
    const id = `k${this.nextId++}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error('The service did not answer in time. Please try again.'));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      socket.send(JSON.stringify({ ...message, id }));
    });
  }

  private async open(): Promise<void> {
    this.events.onStatus('connecting');
    let credentials: Awaited<ReturnType<typeof deviceCredentials>>;
    try {
      credentials = await deviceCredentials();
    } catch (error) {
      this.events.onStatus('offline', (error as Error).message);
      this.retryLater();
      return;
    }
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const socket = new WebSocket(`${scheme}//${location.host}${credentials.wsPath}`);
    this.socket = socket;
    socket.onopen = () => {
      const id = `hello${this.nextId++}`;
      const timer = setTimeout(() => socket.close(), 10_000);
      this.pending.set(id, {
        timer,
        resolve: (reply) => {
          if (reply.type !== 'welcome') return;
          this.authenticated = true;
          this.retryMs = 500;
          this.events.onStatus('online');
          this.events.onWelcome(reply.session);
        },
        reject: (error) => this.events.onStatus('offline', error.message),
      });
      socket.send(
        JSON.stringify({
          type: 'hello',
          id,
          protocol: 1,
          deviceId: credentials.deviceId,
          token: credentials.token,
        }),
      );
    };
    socket.onmessage = (event) => {
      let message: ServerMessage;
      try {
        message = JSON.parse(String(event.data)) as ServerMessage;
      } catch {
        return;
      }
      const waiting = message.replyTo ? this.pending.get(message.replyTo) : undefined;
      if (waiting && message.replyTo) {
        this.pending.delete(message.replyTo);
        clearTimeout(waiting.timer);
        if (message.type === 'error') waiting.reject(new KioskRequestError(message));
        else waiting.resolve(message);
        return;
      }
      this.events.onPush(message);
    };
    socket.onclose = (event) => {
      if (this.socket !== socket) return;
      this.authenticated = false;
      for (const [id, waiting] of this.pending) {
        clearTimeout(waiting.timer);
        waiting.reject(new Error('The connection to the service dropped. Please try again.'));
        this.pending.delete(id);
      }
      // Another tab took over this device: do not fight it for the socket.
      if (event.code === 4409) {
        this.events.onStatus('offline', 'This kiosk was opened in another window.');
        return;
      }
      this.events.onStatus(
        'offline',
        event.code === 4401 ? 'This kiosk is not allowed to connect.' : undefined,
      );
      this.retryLater();
    };
  }

  private retryLater(): void {
    const wait = this.retryMs;
    this.retryMs = Math.min(5_000, this.retryMs * 2);
    setTimeout(() => void this.open(), wait);
  }
}
