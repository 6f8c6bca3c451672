import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { cliPath, repoRoot } from './service-process.ts';

export interface DaemonProcess {
  child: ChildProcess;
  endpoint: string;
  output(): string;
  /** Sends the signal and resolves with the exit code (null when killed by a signal). */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Runs `parcelroom hw-controller …` as its own process and resolves once it listens. */
export async function startDaemonProcess(args: string[], timeoutMs = 20_000): Promise<DaemonProcess> {
  const child = spawn(process.execPath, [cliPath, 'hw-controller', ...args], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
  });
  const endpoint = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`daemon did not start:\n${out}`)), timeoutMs);
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
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      const exited = once(child, 'exit');
      child.kill(signal);
      const [code] = (await exited) as [number | null];
      return code;
    },
  };
}
