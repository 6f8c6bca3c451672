import { loadLayoutFile } from '../../calibration/index.ts';
import { createPackageDetector } from '../../models/index.ts';
import { randomScene, seededRandom } from '../../simulator/index.ts';
import { createRoomRenderer } from '../../simulator/render/index.ts';
import { median, percentile, report } from './bench-report.ts';

/**
 * The bundled detector on one core: per-frame preprocess (JPEG decode with shrink-on-load and
 * letterbox), inference and decode + NMS, on 1280×720 simulator frames. The same frames through a
 * two-thread session are the reference run.
 */
const layout = await loadLayoutFile('calibration/rooms/demo-room.yaml');
const renderer = createRoomRenderer(layout, { seed: 5 });
const frames: Buffer[] = [];
for (let i = 0; i < 12; i++) {
  const scene = randomScene(layout, seededRandom(1000 + i), { people: true });
  frames.push((await renderer.renderJpeg(renderer.cameraIds[i % 3]!, scene, i)).jpeg);
}

async function measure(threads: number, runs: number) {
  const detector = await createPackageDetector({ intraOpThreads: threads });
  const times = { preprocess: [] as number[], inference: [] as number[], decode: [] as number[] };
  for (let i = 0; i < runs + 10; i++) {
    const { timings } = await detector.detect(frames[i % frames.length]!);
    if (i < 10) continue;
    times.preprocess.push(timings.preprocessMs);
    times.inference.push(timings.inferenceMs);
    times.decode.push(timings.decodeMs);
  }
  await detector.close();
  return { times, inputs: `${detector.inputWidth}×${detector.inputHeight}` };
}

const one = await measure(1, 150);
const two = await measure(2, 100);
const total = one.times.inference.map((v, i) => v + one.times.preprocess[i]! + one.times.decode[i]!);
report({
  benchmark: 'detector',
  rows: [
    {
      name: `preprocess 1280×720 JPEG → ${one.inputs}, median`,
      value: median(one.times.preprocess),
      unit: 'ms',
      note: `p95 ${percentile(one.times.preprocess, 95).toFixed(2)} ms`,
    },
    {
      name: 'inference, 1 thread, median',
      value: median(one.times.inference),
      unit: 'ms',
      note: `p95 ${percentile(one.times.inference, 95).toFixed(2)} ms; budget ≤ 15 ms`,
    },
    {
      name: 'decode + NMS, median',
      value: median(one.times.decode),
      unit: 'ms',
      note: `p95 ${percentile(one.times.decode, 95).toFixed(2)} ms`,
    },
    { name: 'whole detection, 1 thread, median', value: median(total), unit: 'ms' },
    {
      name: 'inference, 2 threads, median (reference)',
      value: median(two.times.inference),
      unit: 'ms',
      note: `${(median(one.times.inference) / median(two.times.inference)).toFixed(2)}× faster than 1 thread`,
    },
  ],
});
