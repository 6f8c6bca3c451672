import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { listSlots, loadLayoutFile } from '../../calibration/index.ts';
import { createLocatorClient, slotTarget } from '../../hw-controller/index.ts';
import { startDaemonProcess } from '../support/hw-daemon-process.ts';
import { cliPath, repoRoot } from '../support/service-process.ts';
import { median, percentile, report } from './bench-report.ts';

/**
 * Round trip of the hardware link on loopback tcp: service-side client → daemon (its own
 * process) → ack. `get-state` measures the link alone; `point` and `off` include the sim driver's
 * HTTP calls to the simulator (its own process too), as in the demo.
 */
const simulator = spawn(process.execPath, [cliPath, 'sim', 'serve', '--port', '0'], {
  cwd: repoRoot,
  stdio: ['ignore', 'pipe', 'inherit'],
});
const simulatorUrl = await new Promise<string>((resolve, reject) => {
  let out = '';
  simulator.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
    const match = /serving \d+ cameras at (\S+)/.exec(out);
    if (match) resolve(match[1]!);
  });
  simulator.once('exit', (code) => reject(new Error(`simulator exited with ${code}`)));
});
const daemon = await startDaemonProcess([
  '--driver',
  'sim',
  '--bind',
  'tcp://127.0.0.1:*',
  '--simulator-url',
  simulatorUrl,
  // The daemon announces its endpoint at info level.
  '--log-level',
  'info',
]);
const layout = await loadLayoutFile('calibration/rooms/demo-room.yaml');
const targets = listSlots(layout).map((slot) => slotTarget(layout, slot.id));
const client = createLocatorClient({ endpoint: daemon.endpoint, heartbeatMs: 200, requestTimeoutMs: 1000 });

async function measure(
  count: number,
  warmup: number,
  run: (i: number) => Promise<unknown>,
): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < count + warmup; i++) {
    const t0 = performance.now();
    await run(i);
    if (i >= warmup) times.push(performance.now() - t0);
  }
  return times;
}

let stateMs: number[];
let pointMs: number[];
let offMs: number[];
try {
  stateMs = await measure(3000, 200, () => client.state());
  pointMs = await measure(600, 50, (i) => client.pointAt(targets[i % targets.length]!));
  offMs = await measure(600, 50, () => client.off());
} finally {
  await client.close();
  await daemon.stop();
  simulator.kill('SIGTERM');
  await once(simulator, 'exit');
}

const rows = (name: string, times: number[], budget: string) => [
  { name: `${name} p50`, value: median(times), unit: 'ms', note: `${times.length} requests` },
  { name: `${name} p99`, value: percentile(times, 99), unit: 'ms', note: budget },
];
report({
  benchmark: 'hw-link',
  rows: [
    ...rows('get-state round trip (link only)', stateMs, 'target p99 ≤ 5 ms over tcp'),
    ...rows(
      'point round trip (aim + laser + strobe, sim driver)',
      pointMs,
      'budget: laser on target ≤ 100 ms p99',
    ),
    ...rows('off round trip (sim driver)', offMs, ''),
  ],
});
