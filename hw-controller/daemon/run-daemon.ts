import type { Logger } from 'pino';
import { loadLayoutFile } from '../../calibration/index.ts';
import type { LocatorDriver } from '../drivers/locator-driver.ts';
import { SerialDriver } from '../drivers/serial/serial-driver.ts';
import { SimDriver } from '../drivers/sim-driver.ts';
import { HwControllerError } from '../hw-errors.ts';
import { type LimitOverrides, limitsFromLayout } from './command-limits.ts';
import { type HwDaemon, startHwDaemon } from './hw-daemon.ts';

export interface DaemonSettings extends LimitOverrides {
  driver: 'sim' | 'serial';
  bind: string;
  layoutFile: string;
  simulatorUrl?: string | undefined;
  serialPort?: string | undefined;
  baudRate?: number | undefined;
  /** Idle serial line: a PING this often feeds the device's watchdog. */
  serialKeepaliveMs?: number | undefined;
  heartbeatTimeoutMs: number;
  logger: Logger;
}

/** What `parcelroom hw-controller` runs: the layout's limits, the chosen driver, the daemon. */
export async function runDaemon(settings: DaemonSettings): Promise<HwDaemon> {
  const layout = await loadLayoutFile(settings.layoutFile);
  const limits = limitsFromLayout(layout, settings);
  let driver: LocatorDriver;
  if (settings.driver === 'sim') {
    if (!settings.simulatorUrl) throw new HwControllerError('--driver sim needs --simulator-url URL');
    driver = new SimDriver({ simulatorUrl: settings.simulatorUrl, logger: settings.logger });
  } else {
    if (!settings.serialPort) throw new HwControllerError('--driver serial needs --serial-port PATH');
    driver = await SerialDriver.open({
      path: settings.serialPort,
      baudRate: settings.baudRate,
      keepaliveMs: settings.serialKeepaliveMs,
      logger: settings.logger,
    });
  }
  const daemon = await startHwDaemon({
    bind: settings.bind,
    driver,
    limits,
    logger: settings.logger,
    heartbeatTimeoutMs: settings.heartbeatTimeoutMs,
  });
  settings.logger.info(
    {
      endpoint: daemon.endpoint,
      driver: driver.name,
      limits,
      heartbeatTimeoutMs: settings.heartbeatTimeoutMs,
    },
    'hw-controller listening',
  );
  return daemon;
}
