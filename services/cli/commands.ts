import { Command } from 'commander';
import type { RunningService } from '../app/index.ts';
import { loadConfig, redactConfig } from '../config/index.ts';
import { addCalibrateCommands } from './calibrate-commands.ts';
import { addDetectCommands } from './detect-commands.ts';
import { addHwCommands } from './hw-commands.ts';
import { addLabelCommands } from './label-commands.ts';
import { addSimCommands } from './sim-commands.ts';

/**
 * The `parcelroom` command; later capabilities add their subcommands here. Each action imports
 * what it runs on when it runs: building the program (and so `--help`) loads commander, zod and
 * the config schema, never onnxruntime, sharp, tesseract, zeromq, express or the database.
 */
export function buildProgram(): Command {
  const program = new Command('parcelroom')
    .description('Parcelroom: camera-watched package room service')
    .showHelpAfterError('(run parcelroom --help for the list of commands)')
    .option('-c, --config <file>', 'config file (YAML or JSON); environment variables override it');

  program
    .command('start')
    .description('run the service: migrate, load the room layout, seed the demo, serve HTTP')
    .action(async () => {
      const config = loadConfig({ file: program.opts().config });
      const [{ startService }, { createLogger, prettyLogsFor }] = await Promise.all([
        import('../app/index.ts'),
        import('../logging/index.ts'),
      ]);
      // Handlers go in before the start: a signal while the room is still starting (the HTTP
      // server already answers) waits for the start to finish and then stops it cleanly.
      let service: RunningService | undefined;
      let pending: NodeJS.Signals | undefined;
      let signals = 0;
      const onSignal = (signal: NodeJS.Signals) => {
        if (!service) {
          pending ??= signal;
          return;
        }
        const running = service;
        signals += 1;
        if (signals > 1) {
          running.logger.warn({ signal }, 'second signal: exiting without waiting');
          process.exit(1);
        }
        running.logger.info({ signal }, 'shutdown requested');
        running.stop().then(
          () => process.exit(0),
          (error) => {
            running.logger.error({ err: error }, 'shutdown failed');
            process.exit(1);
          },
        );
      };
      process.on('SIGTERM', onSignal);
      process.on('SIGINT', onSignal);
      const logger = createLogger({ level: config.log.level, pretty: prettyLogsFor(config.log.pretty) });
      // Every timer, subscription and background promise handles its own failures; one that
      // slipped through is a bug to log, not a reason to leave the room without its service.
      process.on('unhandledRejection', (reason) =>
        logger.error(
          { err: reason instanceof Error ? reason : new Error(String(reason)) },
          'unhandled rejection: a bug, the service carries on',
        ),
      );
      service = await startService(config, { logger });
      if (pending) onSignal(pending);
    });

  program
    .command('migrate')
    .description('apply pending database migrations and exit')
    .action(async () => {
      const config = loadConfig({ file: program.opts().config });
      const [{ createLogger, prettyLogsFor }, { migrateToLatest, openDatabase }] = await Promise.all([
        import('../logging/index.ts'),
        import('../store/index.ts'),
      ]);
      const logger = createLogger({ level: config.log.level, pretty: prettyLogsFor(config.log.pretty) });
      const db = await openDatabase(config.database);
      try {
        const result = await migrateToLatest(db, logger);
        process.stdout.write(
          result.applied.length
            ? `applied ${result.applied.join(', ')}\n`
            : `schema up to date (${result.total} migrations)\n`,
        );
      } finally {
        await db.close();
      }
    });

  const layout = program.command('layout').description('room layout files');
  layout
    .command('check')
    .description('validate a room layout file and report every problem with its path')
    .argument('<file...>', 'layout files (YAML or JSON)')
    .action(async (files: string[]) => {
      const { checkLayoutFile, formatLayoutReport } = await import('../../calibration/parse-layout.ts');
      let failed = false;
      for (const file of files) {
        const result = await checkLayoutFile(file);
        const report = formatLayoutReport(result);
        (result.ok ? process.stdout : process.stderr).write(report.endsWith('\n') ? report : `${report}\n`);
        failed ||= !result.ok;
      }
      process.exitCode = failed ? 1 : 0;
    });

  const config = program.command('config').description('service configuration');
  config
    .command('print')
    .description('print the configuration the service would start with (passwords hidden)')
    .action(() => {
      process.stdout.write(
        `${JSON.stringify(redactConfig(loadConfig({ file: program.opts().config })), null, 2)}\n`,
      );
    });

  addSimCommands(program);
  addDetectCommands(program);
  addLabelCommands(program);
  addHwCommands(program);
  addCalibrateCommands(program);

  return program;
}
