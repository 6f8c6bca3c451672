import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { cliPath, repoRoot } from './service-process.ts';

export interface DaemonProcess {
  child: ChildProcess;
  endpoint: string;
  output(): string;
  /** Resolves when every process writing to its stdout (npx's too) has exited. */
  ended: Promise<void>;
  /** Sends the signal and resolves with the exit code (null when killed by a signal). */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Runs `parcelroom hw-controller …` as its own process and resolves once it listens; with
 * `via: 'npx'` through `npx parcelroom`, as a user types it (the child is then npm's process).
 */
export async function startDaemonProcess(
  args: string[],
  timeoutMs = 120_000,
  via: 'node' | 'npx' = 'node',
): Promise<DaemonProcess> {
  const [command, prefix] =
    via === 'npx' ? ['npx', ['--no-install', 'parcelroom']] : [process.execPath, [cliPath]];
  const child = spawn(command, [...prefix, 'hw-controller', ...args], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
  });
  const ended = new Promise<void>((resolve) => child.stdout!.once('close', () => resolve()));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
  });
  const endpoint = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      // Not left running behind a failed test.
      child.kill('SIGKILL');
      reject(new Error(`daemon did not start within ${timeoutMs} ms:\n${out}`));
    }, timeoutMs);
    const check = () => {
      for (const line of out.split('\n')) {
        if (!line.includes('"hw-controller listening"')) continue;
        clearTimeout(timer);
        resolve((JSON.parse(line) as { endpoint: string }).endpoint);
        return;
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`daemon exited with ${code} before listening:\n${out}`));
    });
  });
  return {
    child,
    endpoint,
    output: () => out,
    ended,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      const exited = once(child, 'exit');
      child.kill(signal);
      const [code] = (await exited) as [number | null];
      return code;
    },
  };
}
