import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadLayoutFile } from '../../calibration/index.ts';
import { createPackageDetector } from '../../models/index.ts';
import { type ScenarioScore, scoreScenario } from '../../pipelines/index.ts';
import { listBundledScenarios, openSimulatedRoom } from '../../simulator/index.ts';

/**
 * Every bundled scenario through the real camera pipelines (in process, every camera at 10 fps on
 * the story clock, faster than real time), scored against the truth: a placement or removal
 * observed in the right slot within 10 s. Target: precision and recall ≥ 99 % over the suite.
 * Every miss and every spurious observation is listed.
 */
const target = 0.99;
const layout = await loadLayoutFile('calibration/rooms/demo-room.yaml');
const detector = await createPackageDetector({ intraOpThreads: 1 });
const wanted = process.argv.slice(2);
const scores: ScenarioScore[] = [];
for (const { name } of await listBundledScenarios()) {
  if (wanted.length && !wanted.some((w) => name.includes(w))) continue;
  const room = await openSimulatedRoom({ layout, scenario: name });
  const started = performance.now();
  const score = await scoreScenario(name, room, layout, detector);
  scores.push(score);
  process.stderr.write(`${name}: ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
}
await detector.close();

const truth = scores.reduce((n, s) => n + s.truth.length, 0);
const observed = scores.reduce((n, s) => n + s.observations.length, 0);
const matched = scores.reduce((n, s) => n + s.matched.length, 0);
const precision = observed ? matched / observed : 1;
const recall = truth ? matched / truth : 1;
const delays = scores.flatMap((s) => s.matched.map((m) => m.delayMs)).sort((a, b) => a - b);
const pct = (v: number) => `${(v * 100).toFixed(1)} %`;

process.stdout.write('\npipeline (observations vs scenario truth)\n');
process.stdout.write(`${'scenario'.padEnd(32)} truth  observed  matched  missed  spurious\n`);
for (const s of scores)
  process.stdout.write(
    `${s.scenario.padEnd(32)} ${String(s.truth.length).padStart(5)} ${String(s.observations.length).padStart(9)} ${String(s.matched.length).padStart(8)} ${String(s.missed.length).padStart(7)} ${String(s.spurious.length).padStart(9)}\n`,
  );
process.stdout.write(
  `${'all'.padEnd(32)} ${String(truth).padStart(5)} ${String(observed).padStart(9)} ${String(matched).padStart(8)}   precision ${pct(precision)}, recall ${pct(recall)} (target ≥ ${pct(target)})\n`,
);
if (delays.length)
  process.stdout.write(
    `delay from the change to its observation: median ${(delays[delays.length >> 1]! / 1000).toFixed(1)} s, max ${(delays.at(-1)! / 1000).toFixed(1)} s\n`,
  );
for (const s of scores) {
  for (const m of s.missed)
    process.stdout.write(
      `  missed   ${s.scenario} ${m.kind} ${m.packageId} in ${m.slots.join('+')} at ${m.timeMs / 1000} s\n`,
    );
  for (const o of s.spurious)
    process.stdout.write(
      `  spurious ${s.scenario} ${o.kind} ${o.slots.join('+')} by ${o.cameraId} at ${o.timeMs / 1000} s (confidence ${o.confidence})\n`,
    );
}
mkdirSync('eval-results', { recursive: true });
writeFileSync(
  join('eval-results', 'pipeline.json'),
  `${JSON.stringify(
    {
      precision,
      recall,
      truth,
      observed,
      matched,
      scenarios: scores.map((s) => ({
        scenario: s.scenario,
        truth: s.truth,
        observations: s.observations,
        missed: s.missed,
        spurious: s.spurious,
        frames: s.frames,
        detections: s.detections,
      })),
    },
    null,
    2,
  )}\n`,
);
process.stdout.write('(written to eval-results/pipeline.json)\n');
process.exit(precision >= target && recall >= target ? 0 : 1);
