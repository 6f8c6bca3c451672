import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { type DaemonChild, spawnSimDaemon } from './daemon/daemon-process.ts';
import { createHwLinkMetrics } from './link-metrics.ts';
import { createLocatorClient, type LocatorClient } from './locator-client.ts';

export interface ServiceLocatorOptions {
  /** A running daemon's endpoint; when absent and the simulator runs, a sim daemon is started. */
  endpoint?: string | undefined;
  simulatorUrl?: string | undefined;
  layoutFile: string;
  heartbeatMs: number;
  logger: Logger;
  registry: Registry;
}

export interface ServiceLocator {
  client: LocatorClient;
  /** The daemon this service started, if it started one. */
  daemon?: DaemonChild | undefined;
  /** Laser off, client closed, the started daemon stopped. */
  stop(): Promise<void>;
}

/**
 * The service's locator: a client to the configured daemon, or, in the demo (simulator on, no
 * endpoint configured), to a sim-driver daemon started as a child process. Undefined when there
 * is neither. The daemon's heartbeat timeout is four of the client's heartbeats.
 */
export async function startServiceLocator(
  options: ServiceLocatorOptions,
): Promise<ServiceLocator | undefined> {
  let daemon: DaemonChild | undefined;
  let endpoint = options.endpoint;
  if (!endpoint) {
    if (!options.simulatorUrl) return undefined;
    daemon = await spawnSimDaemon({
      simulatorUrl: options.simulatorUrl,
      layoutFile: options.layoutFile,
      heartbeatTimeoutMs: options.heartbeatMs * 4,
      logger: options.logger,
    });
    endpoint = daemon.endpoint;
  }
  const logger = options.logger.child({ component: 'locator' });
  const client = createLocatorClient({
    endpoint,
    heartbeatMs: options.heartbeatMs,
    logger,
    metrics: createHwLinkMetrics(options.registry),
  });
  logger.info({ endpoint, started: Boolean(daemon) }, 'locator client connecting');
  let stopping: Promise<void> | undefined;
  return {
    client,
    daemon,
    stop() {
      stopping ??= (async () => {
        if (client.linkState === 'up') await client.off().catch(() => undefined);
        await client.close();
        await daemon?.stop();
      })();
      return stopping;
    },
  };
}
