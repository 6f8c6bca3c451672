import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
export const cliPath = fileURLToPath(new URL('../../bin/parcelroom.js', import.meta.url));

export interface ServiceProcess {
  child: ChildProcess;
  url: string;
  stdout(): string;
  stderr(): string;
  /**
   * Resolves with the match once stderr shows `pattern`: the start-up summary (the first start's
   * credentials, the addresses) is printed there only when the room runs, after "http listening".
   */
  waitForStderr(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  /** Sends SIGTERM and resolves with the exit code. */
  stop(): Promise<number | null>;
}

/**
 * Starts `parcelroom start` as its own process, the way a user does, and resolves once it logs
 * that it listens. The environment is built from scratch so a developer's DATABASE_URL or
 * PARCELROOM_* variables never leak into a test.
 */
export async function startServiceProcess(
  env: Record<string, string>,
  timeoutMs = 60_000,
): Promise<ServiceProcess> {
  const child = spawn(process.execPath, [cliPath, 'start'], {
    cwd: repoRoot,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      PARCELROOM_HTTP_PORT: '0',
      PARCELROOM_SIMULATOR_PORT: '0',
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    err += chunk;
  });

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(new Error(`service did not start within ${timeoutMs} ms\nstdout:\n${out}\nstderr:\n${err}`)),
      timeoutMs,
    );
    const check = () => {
      for (const line of out.split('\n')) {
        if (!line.includes('"http listening"')) continue;
        clearTimeout(timer);
        resolve((JSON.parse(line) as { url: string }).url);
        return;
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`service exited with ${code} before listening\nstdout:\n${out}\nstderr:\n${err}`));
    });
  });

  return {
    child,
    url,
    stdout: () => out,
    stderr: () => err,
    async waitForStderr(pattern, waitMs = 90_000) {
      const deadline = Date.now() + waitMs;
      for (;;) {
        const found = pattern.exec(err);
        if (found) return found;
        if (child.exitCode !== null || Date.now() > deadline) {
          throw new Error(`stderr never showed ${pattern}\nstdout:\n${out.slice(-3000)}\nstderr:\n${err}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const [code] = (await exited) as [number | null];
      return code;
    },
  };
}

/** Runs the CLI to completion and returns its exit code and output. */
export async function runCli(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [cliPath, ...args], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => {
    stdout += c;
  });
  child.stderr.setEncoding('utf8').on('data', (c: string) => {
    stderr += c;
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
}

/** The service's JSON log lines carrying `msg`, parsed, in the order it wrote them. */
export function logLines(service: ServiceProcess, msg: string): Array<Record<string, unknown>> {
  return service
    .stdout()
    .split('\n')
    .filter((l) => l.includes(`"msg":"${msg}"`))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}
