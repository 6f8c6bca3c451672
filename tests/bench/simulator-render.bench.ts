import { spawn } from 'node:child_process';
import { loadLayoutFile } from '../../calibration/index.ts';
import { openSimulatedRoom, startSimulatorServer } from '../../simulator/index.ts';
import { median, percentile, report } from './bench-report.ts';

/**
 * Rendering cost of the simulated cameras: per-frame render and encode times at 1280×720 on a
 * busy scenario, and the CPU the demo's three cameras at 10 fps cost when served over MJPEG.
 */
const layout = await loadLayoutFile('calibration/rooms/demo-room.yaml');
const room = await openSimulatedRoom({ layout, scenario: '14-busy-afternoon' });

const renderMs: number[] = [];
const encodeMs: number[] = [];
for (let i = 0; i < 120; i++) {
  const timeMs = (i % 60) * 500;
  const scene = room.sceneAt(timeMs);
  const cameraId = room.cameraIds[i % 3]!;
  const t0 = performance.now();
  const frame = room.renderer.render(cameraId, scene, i);
  const t1 = performance.now();
  await room.renderer.encodeJpeg(frame);
  const t2 = performance.now();
  if (i >= 20) {
    renderMs.push(t1 - t0);
    encodeMs.push(t2 - t1);
  }
}
const totalMs = renderMs.map((r, i) => r + encodeMs[i]!);

// Serve three cameras at 10 fps to MJPEG readers in another process (as the pipelines or a
// browser would be), and count this process's CPU: rendering, encoding and serving.
const server = await startSimulatorServer({ room, fps: 10 });
const readerScript = `
  const urls = process.argv.slice(1);
  for (const url of urls) fetch(url).then(async (r) => { for await (const _ of r.body) {} }).catch(() => {});
`;
const readers = spawn(
  process.execPath,
  ['-e', readerScript, ...room.cameraIds.map((id) => `${server.url}/cameras/${id}/stream.mjpeg`)],
  { stdio: 'ignore' },
);
await new Promise((resolve) => setTimeout(resolve, 1500));
const cpuStart = process.cpuUsage();
const wallStart = performance.now();
const sentStart = Object.values(server.stats()).reduce((n, s) => n + s.sent, 0);
await new Promise((resolve) => setTimeout(resolve, 6000));
const cpu = process.cpuUsage(cpuStart);
const wallMs = performance.now() - wallStart;
const sent = Object.values(server.stats()).reduce((n, s) => n + s.sent, 0) - sentStart;
readers.kill();
await server.close();
const coreShare = (cpu.user + cpu.system) / 1000 / wallMs;

report({
  benchmark: 'simulator-render',
  rows: [
    {
      name: 'render 1280×720, median',
      value: median(renderMs),
      unit: 'ms/frame',
      note: `p95 ${percentile(renderMs, 95).toFixed(1)} ms`,
    },
    {
      name: 'JPEG encode, median',
      value: median(encodeMs),
      unit: 'ms/frame',
      note: `p95 ${percentile(encodeMs, 95).toFixed(1)} ms`,
    },
    { name: 'render + encode, median', value: median(totalMs), unit: 'ms/frame' },
    {
      name: 'one camera, frames per second',
      value: 1000 / median(totalMs),
      unit: 'fps',
      note: 'on one core',
    },
    {
      name: 'demo: 3 cameras × 10 fps served',
      value: coreShare * 100,
      unit: '% of a core',
      note: `${((sent / wallMs) * 1000).toFixed(1)} frames/s delivered; budget: leave most of the second core free (< 50 %)`,
    },
  ],
});
