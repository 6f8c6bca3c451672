/**
 * The CLI's light commands: wall time from spawn to exit of `parcelroom --help`, `layout check`
 * and `config print` (median of 5 runs each), beside the floors they stand on: a bare `node` and
 * `node` with the tsx loader that runs the TypeScript sources. Heavy modules (onnxruntime, sharp,
 * tesseract, zeromq, express, the database) load inside the commands that use them, so these
 * stay under a second.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { median, report } from './bench-report.ts';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const cli = fileURLToPath(new URL('../../bin/parcelroom.js', import.meta.url));
const runs = 5;

function wallMs(args: string[]): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    const result = spawnSync(process.execPath, args, {
      cwd: repoRoot,
      // A developer's PARCELROOM_* settings must not change what is measured.
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    times.push(performance.now() - start);
    if (result.status !== 0) throw new Error(`${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  }
  return median(times);
}

const budget = 'budget 1000 ms';
report({
  benchmark: 'cli',
  rows: [
    { name: 'node -e 0 (floor)', value: wallMs(['-e', '0']), unit: 'ms', note: `median of ${runs}` },
    {
      name: 'node + tsx loader (floor)',
      value: wallMs(['--import', 'tsx', '-e', '0']),
      unit: 'ms',
      note: `median of ${runs}`,
    },
    { name: 'parcelroom --help', value: wallMs([cli, '--help']), unit: 'ms', note: budget },
    {
      name: 'parcelroom layout check',
      value: wallMs([cli, 'layout', 'check', 'calibration/rooms/demo-room.yaml']),
      unit: 'ms',
      note: budget,
    },
    { name: 'parcelroom config print', value: wallMs([cli, 'config', 'print']), unit: 'ms', note: budget },
  ],
});
