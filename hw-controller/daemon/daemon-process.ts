import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { HwControllerError } from '../hw-errors.ts';

const cliPath = fileURLToPath(new URL('../../bin/parcelroom.js', import.meta.url));

export interface DaemonChildOptions {
  simulatorUrl: string;
  layoutFile: string;
  heartbeatTimeoutMs: number;
  logger?: Logger | undefined;
  /** How long to wait for the daemon to listen. */
  startTimeoutMs?: number;
}

export interface DaemonChild {
  endpoint: string;
  child: ChildProcess;
  /** SIGTERM (the daemon switches everything off), SIGKILL if it does not exit in time. */
  stop(): Promise<void>;
}

/**
 * Runs `parcelroom hw-controller --driver sim` as a child process, as the demo does: a separate
 * process, as on a real installation, on a port the daemon picks. Its log lines are passed on to
 * this process's stdout (at this process's log level); it exits by itself when this process dies (its stdin closes).
 */
export async function spawnSimDaemon(options: DaemonChildOptions): Promise<DaemonChild> {
  const child = spawn(
    process.execPath,
    [
      cliPath,
      'hw-controller',
      '--driver',
      'sim',
      '--bind',
      'tcp://127.0.0.1:*',
      '--simulator-url',
      options.simulatorUrl,
      '--layout',
      options.layoutFile,
      '--heartbeat-timeout-ms',
      String(options.heartbeatTimeoutMs),
      '--stop-with-stdin',
    ],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  // The daemon logs at info; its lines reach this process's stdout at this process's log level.
  const minimumLevel = options.logger?.levelVal ?? 30;
  const shouldPass = (line: string) => {
    try {
      return (JSON.parse(line) as { level?: number }).level! >= minimumLevel;
    } catch {
      return true;
    }
  };
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const endpoint = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new HwControllerError(`the hw-controller daemon did not start listening: ${stderr.trim()}`));
    }, options.startTimeoutMs ?? 30_000);
    const onExit = (code: number | null) => {
      clearTimeout(timer);
      reject(
        new HwControllerError(`the hw-controller daemon exited with ${code} at start: ${stderr.trim()}`),
      );
    };
    child.once('exit', onExit);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (shouldPass(line)) process.stdout.write(`${line}\n`);
      if (!line.includes('"hw-controller listening"')) return;
      clearTimeout(timer);
      child.off('exit', onExit);
      resolve((JSON.parse(line) as { endpoint: string }).endpoint);
    });
  });
  let stopping: Promise<void> | undefined;
  child.on('exit', (code, signal) => {
    if (!stopping)
      options.logger?.error({ code, signal, stderr: stderr.trim() }, 'hw-controller daemon exited');
  });
  return {
    endpoint,
    child,
    stop() {
      stopping ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = once(child, 'exit');
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(killer);
      })();
      return stopping;
    },
  };
}
