import type { Command } from 'commander';
import { z } from 'zod';
import { integer, parseOptions } from './cli-options.ts';

const defaultLayout = 'calibration/rooms/demo-room.yaml';

const loopbackOrTcp = z
  .string()
  .regex(/^(tcp:\/\/[^\s]+:(\d+|\*)|ipc:\/\/\S+)$/, 'must be a ZeroMQ endpoint like tcp://127.0.0.1:5560');

export function addHwCommands(program: Command): void {
  program
    .command('hw-controller')
    .description(
      'run the hw-controller daemon: the ZeroMQ link to the locator laser, strobes and door (docs/hw-protocol.md)',
    )
    .option('--driver <sim|serial>', 'sim drives the simulator over HTTP; serial a microcontroller', 'sim')
    .option(
      '--bind <endpoint>',
      'ZeroMQ endpoint to bind (tcp://127.0.0.1:* picks a port)',
      'tcp://127.0.0.1:5560',
    )
    .option('--layout <file>', 'room layout: pan/tilt ranges, laser on-time, strobe zones', defaultLayout)
    .option('--simulator-url <url>', 'the simulator for --driver sim', 'http://127.0.0.1:8554')
    .option('--serial-port <path>', 'serial device for --driver serial, e.g. /dev/ttyACM0')
    .option('--baud <n>', 'serial baud rate', '115200')
    .option(
      '--serial-keepalive-ms <n>',
      'PING an idle serial device this often, to feed its firmware watchdog',
      '500',
    )
    .option(
      '--heartbeat-timeout-ms <n>',
      'laser and strobes off when the service is silent this long',
      '2000',
    )
    .option('--laser-max-on-ms <n>', 'laser on-time limit, at most the layout locator.maxOnMs')
    .option('--strobe-max-ms <n>', 'strobe duration limit (default: the laser limit)')
    .option('--door-max-open-ms <n>', 'door relay open-time limit', '15000')
    .option('--log-level <level>', 'pino log level', 'info')
    .option(
      '--stop-with-stdin',
      'exit when stdin closes (used when the service runs the daemon as its child)',
    )
    .action(async (raw) => {
      const options = parseOptions(
        z.object({
          driver: z.enum(['sim', 'serial'], { error: 'must be sim or serial' }),
          bind: loopbackOrTcp,
          layout: z.string().min(1),
          simulatorUrl: z.url({ error: 'must be an http:// URL' }),
          serialPort: z.string().min(1).optional(),
          baud: integer(300, 4_000_000),
          serialKeepaliveMs: integer(50, 60_000),
          heartbeatTimeoutMs: integer(50, 60_000),
          laserMaxOnMs: integer(1, 600_000).optional(),
          strobeMaxMs: integer(1, 600_000).optional(),
          doorMaxOpenMs: integer(1, 600_000),
          logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
            error: 'must be one of fatal, error, warn, info, debug, trace, silent',
          }),
          stopWithStdin: z.boolean().optional(),
        }),
        raw,
      );
      const [{ runDaemon }, { createLogger }] = await Promise.all([
        import('../../hw-controller/index.ts'),
        import('../logging/index.ts'),
      ]);
      const logger = createLogger({ level: options.logLevel }).child({ component: 'hw-controller' });
      const daemon = await runDaemon({
        driver: options.driver,
        bind: options.bind,
        layoutFile: options.layout,
        simulatorUrl: options.simulatorUrl,
        serialPort: options.serialPort,
        baudRate: options.baud,
        serialKeepaliveMs: options.serialKeepaliveMs,
        heartbeatTimeoutMs: options.heartbeatTimeoutMs,
        laserMaxOnMs: options.laserMaxOnMs,
        strobeMaxMs: options.strobeMaxMs,
        doorMaxOpenMs: options.doorMaxOpenMs,
        logger,
      });
      let stopping = false;
      const stop = (reason: string) => {
        if (stopping) return;
        stopping = true;
        logger.info({ reason }, 'hw-controller stopping');
        daemon.close().then(
          () => {
            logger.info('hw-controller stopped');
            process.exit(0);
          },
          (error: Error) => {
            logger.error({ err: error.message }, 'hw-controller could not switch everything off');
            process.exit(1);
          },
        );
      };
      process.on('SIGTERM', () => stop('SIGTERM'));
      process.on('SIGINT', () => stop('SIGINT'));
      // `npx parcelroom hw-controller` (or `npm run`) runs this under npm and a `sh -c`: a SIGTERM
      // to npm ends npm and the shell and is never passed on to this process. Under npm, the parent
      // going away is that signal.
      if (process.env.npm_execpath) {
        const parentPid = process.ppid;
        const watch = setInterval(() => {
          if (process.ppid !== parentPid) {
            clearInterval(watch);
            stop('npm parent process exited');
          }
        }, 200);
        watch.unref();
      }
      if (options.stopWithStdin) {
        process.stdin.on('end', () => stop('stdin closed'));
        process.stdin.on('error', () => stop('stdin closed'));
        process.stdin.resume();
      }
    });
}
