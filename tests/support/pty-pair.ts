import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export interface PtyPair {
  /** The host's end (the daemon's serial port). */
  hostPath: string;
  /** The device's end (the emulator). */
  devicePath: string;
  close(): Promise<void>;
}

/**
 * Two linked pseudo-terminals made by socat: a serial cable with nothing on it but bytes. With
 * `at`, the pair is made again at an earlier pair's paths (a device plugged back in); `close`
 * then leaves the folder, and `keepDir: true` does the same for a pair that will be remade.
 */
export async function openPtyPair(
  options: { at?: Pick<PtyPair, 'hostPath' | 'devicePath'>; keepDir?: boolean } = {},
): Promise<PtyPair> {
  const dir = options.at ? dirname(options.at.hostPath) : mkdtempSync(join(tmpdir(), 'parcelroom-pty-'));
  const hostPath = options.at?.hostPath ?? join(dir, 'host');
  const devicePath = options.at?.devicePath ?? join(dir, 'device');
  const socat: ChildProcess = spawn(
    'socat',
    ['-d', '-d', `pty,raw,echo=0,link=${hostPath}`, `pty,raw,echo=0,link=${devicePath}`],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let err = '';
  socat.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    err += chunk;
  });
  const until = Date.now() + 10_000;
  while (!(existsSync(hostPath) && existsSync(devicePath) && err.includes('starting data transfer'))) {
    if (socat.exitCode !== null) throw new Error(`socat exited: ${err}`);
    if (Date.now() > until) throw new Error(`socat made no pty pair: ${err}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return {
    hostPath,
    devicePath,
    async close() {
      if (socat.exitCode === null && socat.signalCode === null) {
        const exited = once(socat, 'exit');
        socat.kill('SIGTERM');
        await exited;
      }
      if (!options.keepDir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
