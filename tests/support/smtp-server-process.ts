import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { repoRoot } from './service-process.ts';
import type { ChildToParent, ReceivedMail, SmtpChildOptions, SmtpServerReport } from './smtp-server-child.ts';

export type { ReceivedMail, SmtpChildOptions, SmtpServerReport };

const childPath = join(repoRoot, 'tests/support/smtp-server-child.ts');

export interface SmtpServerProcess {
  child: ChildProcess;
  port: number;
  /** Everything the server saw so far; IPC is ordered, so it includes every mail it said 250 to. */
  report(): Promise<SmtpServerReport>;
  /** Polls the report until `done` holds; fails with `what` and the last report after `timeoutMs`. */
  waitFor(
    what: string,
    done: (report: SmtpServerReport) => boolean,
    timeoutMs?: number,
  ): Promise<SmtpServerReport>;
  output(): string;
  /** Sends the signal and waits for the process to end. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** The raw bytes of a received mail. */
export function rawMail(mail: ReceivedMail): Buffer {
  return Buffer.from(mail.rawBase64, 'base64');
}

/**
 * Starts tests/support/smtp-server-child.ts as its own Node process and resolves once it
 * listens on its loopback port. The generous start deadline is for a busy 2-core machine, where
 * starting Node with tsx takes seconds.
 */
export async function startSmtpServerProcess(
  options: SmtpChildOptions = {},
  startTimeoutMs = 30_000,
): Promise<SmtpServerProcess> {
  const child = fork(childPath, [JSON.stringify(options)], {
    cwd: repoRoot,
    execArgv: ['--import', 'tsx'],
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp' },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let out = '';
  const collect = (chunk: string) => {
    out += chunk;
  };
  child.stdout!.setEncoding('utf8').on('data', collect);
  child.stderr!.setEncoding('utf8').on('data', collect);

  let nextRequestId = 1;
  const pending = new Map<number, (report: SmtpServerReport) => void>();
  child.on('message', (message: ChildToParent) => {
    if (message.type !== 'report') return;
    pending.get(message.requestId)?.(message.report);
    pending.delete(message.requestId);
  });

  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the SMTP server process did not start within ${startTimeoutMs} ms:\n${out}`));
    }, startTimeoutMs);
    const onMessage = (message: ChildToParent) => {
      if (message.type !== 'listening') return;
      clearTimeout(timer);
      child.off('exit', onExit);
      resolve(message.port);
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
      clearTimeout(timer);
      reject(new Error(`the SMTP server process exited (${code ?? signal}) before listening:\n${out}`));
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });

  const report = () =>
    new Promise<SmtpServerReport>((resolve, reject) => {
      if (!child.connected) {
        reject(new Error(`the SMTP server process is gone:\n${out}`));
        return;
      }
      const requestId = nextRequestId++;
      pending.set(requestId, resolve);
      child.send({ type: 'report', requestId }, (error) => {
        if (!error) return;
        pending.delete(requestId);
        reject(error);
      });
    });

  return {
    child,
    port,
    report,
    async waitFor(what, done, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const current = await report();
        if (done(current)) return current;
        if (Date.now() > deadline) {
          throw new Error(
            `SMTP server: ${what} not seen within ${timeoutMs} ms; it saw ${JSON.stringify({ ...current, mails: current.mails.length })}`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    output: () => out,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill(signal);
      await exited;
    },
  };
}
