import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadLayoutFile } from '../../calibration/index.ts';
import { createPackageDetector, type DetectorEvaluation, evaluateDetector } from '../../models/index.ts';
import { exportDataset } from '../../simulator/index.ts';
import { createRoomRenderer } from '../../simulator/render/index.ts';

/**
 * The bundled detector against its targets: mAP@0.5 ≥ 0.95 on simulator scenes of a seed never
 * used in training (9001), and ≥ 0.85 on the real photos of boxes-cctv/valid when that folder is
 * present (PARCELROOM_REAL_VALID, default ../shared/datasets/boxes-cctv/valid).
 */
const heldOutSeed = 9001;
const heldOut = join('eval-results', 'data', `sim-heldout-${heldOutSeed}`);
if (!existsSync(join(heldOut, 'data.yaml'))) {
  const layout = await loadLayoutFile('calibration/rooms/demo-room.yaml');
  process.stderr.write(`rendering the held-out simulator set (seed ${heldOutSeed}) into ${heldOut}\n`);
  await exportDataset(layout, createRoomRenderer(layout, { seed: heldOutSeed }), {
    outDir: heldOut,
    count: 400,
    seed: heldOutSeed,
    people: true,
  });
}
const sets: Array<{ name: string; dir: string; target: number }> = [
  { name: `simulator held out (seed ${heldOutSeed})`, dir: heldOut, target: 0.95 },
];
const real = process.env.PARCELROOM_REAL_VALID ?? '../shared/datasets/boxes-cctv/valid';
if (existsSync(join(real, 'images')))
  sets.push({ name: 'boxes-cctv valid (real photos)', dir: real, target: 0.85 });
else process.stderr.write(`no real validation photos at ${real}: only the simulator set is scored\n`);

const detector = await createPackageDetector({ intraOpThreads: 1 });
const results: Array<DetectorEvaluation & { name: string; target: number }> = [];
for (const set of sets) results.push({ ...(await evaluateDetector(detector, set.dir)), ...set });
await detector.close();

const pct = (v: number) => `${(v * 100).toFixed(1)} %`;
process.stdout.write('\ndetector\n');
process.stdout.write(
  `${'set'.padEnd(36)} ${'images'.padStart(6)} ${'P'.padStart(8)} ${'R'.padStart(8)} ${'mAP50'.padStart(8)} ${'mAP50-95'.padStart(9)} ${'target'.padStart(8)} ${'ms'.padStart(6)}\n`,
);
let missed = 0;
for (const r of results) {
  const ok = r.metrics.map50 >= r.target;
  if (!ok) missed++;
  process.stdout.write(
    `${r.name.padEnd(36)} ${String(r.images).padStart(6)} ${pct(r.metrics.precision).padStart(8)} ${pct(r.metrics.recall).padStart(8)} ${pct(r.metrics.map50).padStart(8)} ${pct(r.metrics.map50to95).padStart(9)} ${`≥ ${r.target}`.padStart(8)} ${r.latencyMs.inference.toFixed(1).padStart(6)} ${ok ? '' : '  MISSED'}\n`,
  );
  for (const c of r.metrics.perClass)
    process.stdout.write(
      `  ${(detector.classNames[c.classId] ?? String(c.classId)).padEnd(34)} ${String(c.groundTruth).padStart(6)} ${pct(c.precision).padStart(8)} ${pct(c.recall).padStart(8)} ${pct(c.ap[0]!).padStart(8)} ${pct(c.ap.reduce((a, b) => a + b, 0) / c.ap.length).padStart(9)}\n`,
    );
}
mkdirSync('eval-results', { recursive: true });
writeFileSync(join('eval-results', 'detector.json'), `${JSON.stringify(results, null, 2)}\n`);
process.stdout.write('(written to eval-results/detector.json)\n');
process.exit(missed ? 1 : 0);
