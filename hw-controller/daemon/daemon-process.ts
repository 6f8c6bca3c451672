import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';

const cliPath = fileURLToPath(new URL('../../bin/parcelroom.js', import.meta.url));

export interface DaemonChildOptions {
  simulatorUrl: string;
  layoutFile: string;
  heartbeatTimeoutMs: number;
  logger?: Logger | undefined;
}

export interface DaemonChild {
  endpoint: string;
  child: ChildProcess;
  /** SIGTERM (the daemon switches everything off), SIGKILL if it does not exit in time. */
  stop(): Promise<void>;
}

/** A loopback port free right now. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Runs `parcelroom hw-controller --driver sim` as a child process, as the demo does: a separate
 * process, as on a real installation. The port is chosen here so that the service need not wait
 * for the daemon to start (a ZeroMQ client connects whenever the daemon is there); the service's
 * start stays as quick as before. Its log lines reach this process's stdout at this process's log
 * level; it exits by itself when this process dies (its stdin closes).
 */
export async function spawnSimDaemon(options: DaemonChildOptions): Promise<DaemonChild> {
  const endpoint = `tcp://127.0.0.1:${await freePort()}`;
  const child = spawn(
    process.execPath,
    [
      cliPath,
      'hw-controller',
      '--driver',
      'sim',
      '--bind',
      endpoint,
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
  const minimumLevel = options.logger?.levelVal ?? 30;
  const shouldPass = (line: string) => {
    try {
      return (JSON.parse(line) as { level?: number }).level! >= minimumLevel;
    } catch {
      return true;
    }
  };
  createInterface({ input: child.stdout! }).on('line', (line) => {
    if (shouldPass(line)) process.stdout.write(`${line}\n`);
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  // Without this, a daemon that died early would make writes to its stdin throw in this process.
  child.stdin!.on('error', () => undefined);
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
