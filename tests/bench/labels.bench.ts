import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createLabelOcrEngines, type OcrEngineName } from '../../models/index.ts';
import { createLabelReader, createResidentMatcher, type ResidentRecord } from '../../pipelines/index.ts';
import { demoResidents } from '../../services/seed/demo-people.ts';
import { defaultBuilding, generateLabel } from '../../simulator/index.ts';
import { type BenchRow, median, percentile, report } from './bench-report.ts';

/**
 * Label reading latency and accuracy per OCR engine, each engine in a fresh process so that
 * "the first label after start" really is the first: engine start-up (workers, models, warm-up),
 * the first label, then the rest one at a time with the pool warm (p50, p95; the budget is
 * p95 ≤ 1 s). Accuracy on the same labels (recipient top-1, tracking number by OCR alone, with
 * barcodes ignored) says what each engine's speed buys. Labels are generated before timing.
 * LABEL_BENCH_COUNT sets the labels per engine (default 40).
 */
const count = Number(process.env.LABEL_BENCH_COUNT ?? 40);
const seed = 4242;

/** Page engine + the engine for the second look at tracking lines; the first is the default. */
const configurations: ReadonlyArray<{ name: string; page: OcrEngineName; line: OcrEngineName | 'none' }> = [
  { name: 'tesseract.js + pp-ocrv4 lines', page: 'tesseract.js', line: 'pp-ocrv4' },
  { name: 'tesseract.js', page: 'tesseract.js', line: 'none' },
  { name: 'tesseract-native', page: 'tesseract-native', line: 'none' },
  { name: 'pp-ocrv4', page: 'pp-ocrv4', line: 'none' },
];

interface EngineFigures {
  engine: string;
  startupMs: number;
  firstLabelMs: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  ocrP50Ms: number;
  recipientTop1: number;
  trackingOcrOnly: number;
  rssMiB: number;
}

async function measure(configuration: (typeof configurations)[number]): Promise<EngineFigures> {
  const roster = demoResidents();
  const residents: ResidentRecord[] = roster.map((r, i) => ({ id: String(i), ...r }));
  const labels = [];
  for (let index = 0; index < count; index++)
    labels.push(
      await generateLabel({ seed, index, roster, building: defaultBuilding, difficulty: 'realistic' }),
    );

  const startedAt = performance.now();
  const engines = await createLabelOcrEngines(configuration.page, configuration.line, { workers: 2 });
  const startupMs = performance.now() - startedAt;
  const reader = createLabelReader({
    ocr: engines.ocr,
    ...(engines.lineOcr ? { lineOcr: engines.lineOcr } : {}),
    residents: createResidentMatcher(residents),
    building: defaultBuilding,
  });
  const totals: number[] = [];
  const ocrTimes: number[] = [];
  let recipientOk = 0;
  let trackingOk = 0;
  for (const { image, truth } of labels) {
    const reading = await reader.read(image);
    totals.push(reading.timings.totalMs);
    ocrTimes.push(reading.timings.ocrMs);
    const expected = truth.recipient.residentIndex === null ? null : String(truth.recipient.residentIndex);
    const top = reading.match?.candidates[0]?.residentId;
    if (expected === null ? reading.match?.status !== 'confident' : top === expected) recipientOk++;
  }
  // Accuracy by OCR alone is measured apart, so that its reads do not dilute the latency figures.
  for (const { image, truth } of labels) {
    const reading = await reader.read(image, { barcodes: false });
    if (reading.fields.tracking?.value === truth.tracking.value) trackingOk++;
  }
  await engines.close();
  const warm = totals.slice(1);
  return {
    engine: configuration.name,
    startupMs,
    firstLabelMs: totals[0]!,
    p50Ms: median(warm),
    p95Ms: percentile(warm, 95),
    maxMs: Math.max(...warm),
    ocrP50Ms: median(ocrTimes.slice(1)),
    recipientTop1: recipientOk / labels.length,
    trackingOcrOnly: trackingOk / labels.length,
    rssMiB: process.memoryUsage().rss / 2 ** 20,
  };
}

if (process.env.LABEL_BENCH_ENGINE) {
  const configuration = configurations.find((c) => c.name === process.env.LABEL_BENCH_ENGINE);
  if (!configuration) throw new Error(`no label bench configuration "${process.env.LABEL_BENCH_ENGINE}"`);
  const figures = await measure(configuration);
  process.stdout.write(`${JSON.stringify(figures)}\n`);
} else {
  const self = fileURLToPath(import.meta.url);
  const results: EngineFigures[] = [];
  for (const { name: engine } of configurations) {
    const child = spawnSync(process.execPath, ['--import', 'tsx', self], {
      env: { ...process.env, LABEL_BENCH_ENGINE: engine },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const line = child.stdout.trim().split('\n').at(-1);
    if (child.status !== 0 || !line) {
      process.stderr.write(`labels bench: ${engine} failed (exit ${child.status})\n`);
      process.exit(1);
    }
    results.push(JSON.parse(line) as EngineFigures);
  }
  const reference = results.find((r) => r.engine === 'tesseract.js')!;
  // The default configuration first; ratios are against plain tesseract.js in the same run.
  const rows: BenchRow[] = [];
  for (const r of results) {
    const ratio =
      r.engine === reference.engine ? '' : `, ×${(r.p50Ms / reference.p50Ms).toFixed(2)} tesseract.js`;
    rows.push(
      { name: `${r.engine}: start-up (workers, models)`, value: r.startupMs, unit: 'ms' },
      { name: `${r.engine}: first label after start`, value: r.firstLabelMs, unit: 'ms' },
      {
        name: `${r.engine}: per label p50, warm`,
        value: r.p50Ms,
        unit: 'ms',
        note: `${count - 1} labels${ratio}`,
      },
      { name: `${r.engine}: per label p95, warm`, value: r.p95Ms, unit: 'ms', note: 'budget ≤ 1000 ms' },
      { name: `${r.engine}: per label max, warm`, value: r.maxMs, unit: 'ms' },
      { name: `${r.engine}: OCR share p50`, value: r.ocrP50Ms, unit: 'ms' },
      { name: `${r.engine}: recipient top-1`, value: r.recipientTop1 * 100, unit: '%' },
      { name: `${r.engine}: tracking by OCR alone`, value: r.trackingOcrOnly * 100, unit: '%' },
      { name: `${r.engine}: process RSS after`, value: r.rssMiB, unit: 'MiB' },
    );
  }
  report({ benchmark: 'labels', rows });
}
