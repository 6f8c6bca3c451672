import type { Logger } from 'pino';
import type { LocatorDriver } from '../drivers/locator-driver.ts';
import { HwDriverError } from '../hw-errors.ts';
import { decodeRequest, encodeMessage } from '../protocol/codec.ts';
import type { ErrorCode, HardwareState, Reply } from '../protocol/messages.ts';
import { checkLimits, type DaemonLimits } from './command-limits.ts';
import { HardwareSupervisor } from './hardware-supervisor.ts';
import { RouterLink } from './router-link.ts';

export interface HwDaemonOptions {
  /** ZeroMQ endpoint to bind, e.g. tcp://127.0.0.1:5560 (tcp://127.0.0.1:* picks a port). */
  bind: string;
  driver: LocatorDriver;
  limits: DaemonLimits;
  logger?: Logger | undefined;
  /** The controlling peer silent this long: laser and strobes off. */
  heartbeatTimeoutMs: number;
  /** First wait before an unconfirmed off is retried (doubling, at most 5 s). */
  recoveryFirstMs?: number | undefined;
}

export interface HwDaemon {
  endpoint: string;
  state(): HardwareState;
  /** Switches everything off, locks the door, closes the socket and the driver. */
  close(): Promise<void>;
}

/**
 * The hw-controller daemon: reads requests from its ROUTER socket, refuses what is malformed or
 * outside the limits or meant for an earlier daemon session (changing nothing), applies the rest through the supervisor and answers each
 * with an ack or an error. Every change of the outputs is also sent to every peer heard recently.
 */
export async function startHwDaemon(options: HwDaemonOptions): Promise<HwDaemon> {
  const { logger, limits } = options;
  const supervisor = new HardwareSupervisor({
    driver: options.driver,
    logger,
    heartbeatTimeoutMs: options.heartbeatTimeoutMs,
    recoveryFirstMs: options.recoveryFirstMs,
  });
  await supervisor.start();
  // Peers that have not spoken for a while are not told about changes any more.
  const peerMemoryMs = Math.max(10 * options.heartbeatTimeoutMs, 10_000);
  const peers = new Map<string, { id: Buffer; lastHeardAt: number }>();

  const reply = (peer: Buffer, message: Reply) => router.send(peer, encodeMessage(message));
  const refuse = (peer: Buffer, id: number | null, code: ErrorCode, message: string) => {
    logger?.warn({ peer: peer.toString('hex'), id, code, problem: message }, 'request refused');
    reply(peer, { type: 'error', id, code, message, state: supervisor.snapshot() });
  };

  const onMessage = (peer: Buffer, frames: Buffer[]) => {
    const key = peer.toString('hex');
    peers.set(key, { id: peer, lastHeardAt: performance.now() });
    supervisor.heard(key);
    const decoded = decodeRequest(frames);
    if (!decoded.ok) return refuse(peer, decoded.id, decoded.code, decoded.message);
    const request = decoded.message;
    const violation = checkLimits(request, limits);
    if (violation) return refuse(peer, request.id, violation.code, violation.message);
    if ('session' in request && request.session !== undefined && request.session !== supervisor.sessionId) {
      // Meant for a daemon that is gone (queued in a socket across a restart, or a late retry):
      // applying it now would replay an old decision, such as an unlock nobody waits for any more.
      return refuse(
        peer,
        request.id,
        'stale_session',
        `${request.type} was sent to daemon session ${request.session}; this is session ${supervisor.sessionId} (it restarted): send it again if it is still wanted`,
      );
    }
    if (request.type !== 'ping') logger?.debug({ peer: key, request }, 'request');
    supervisor.apply(request, key).then(
      (state) => reply(peer, { type: 'ack', id: request.id, state }),
      (error: Error) =>
        refuse(
          peer,
          request.id,
          'driver_failed',
          error instanceof HwDriverError ? error.message : `driver error: ${error.message}`,
        ),
    );
  };

  const router = await RouterLink.bind(options.bind, onMessage);
  supervisor.on('change', (state) => {
    logger?.info(
      { seq: state.seq, cause: state.cause, laser: state.laser, strobes: state.strobes, door: state.door },
      'outputs changed',
    );
    const now = performance.now();
    for (const [key, peer] of peers) {
      if (now - peer.lastHeardAt > peerMemoryMs) peers.delete(key);
      else reply(peer.id, { type: 'state', state });
    }
  });

  let closing: Promise<void> | undefined;
  return {
    endpoint: router.endpoint,
    state: () => supervisor.snapshot(),
    close() {
      closing ??= (async () => {
        try {
          await supervisor.shutdown();
        } finally {
          router.close();
          await options.driver.close();
        }
      })();
      return closing;
    },
  };
}
