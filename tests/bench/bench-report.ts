import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';

export interface BenchRow {
  name: string;
  value: number;
  unit: string;
  /** What the figure is compared against, e.g. a budget or a reference run in the same process. */
  note?: string;
}

export interface BenchResult {
  benchmark: string;
  rows: BenchRow[];
}

export function machineDescription() {
  const cpu = cpus()[0];
  return {
    cpu: cpu?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: process.platform,
  };
}

export const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

export const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
};

/** Prints the result as a table and writes it as JSON under bench-results/. */
export function report(result: BenchResult, outDir = 'bench-results'): void {
  const width = Math.max(...result.rows.map((r) => r.name.length), 10);
  process.stdout.write(`\n${result.benchmark}\n${'-'.repeat(width + 40)}\n`);
  for (const row of result.rows) {
    process.stdout.write(
      `${row.name.padEnd(width)}  ${row.value.toFixed(2).padStart(10)} ${row.unit.padEnd(10)} ${row.note ?? ''}\n`,
    );
  }
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, `${result.benchmark}.json`);
  writeFileSync(
    file,
    `${JSON.stringify({ ...result, machine: machineDescription(), at: new Date().toISOString() }, null, 2)}\n`,
  );
  process.stdout.write(`(written to ${file})\n`);
}
