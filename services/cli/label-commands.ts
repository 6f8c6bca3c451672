import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { z } from 'zod';
import { createOcrEngine, ocrEngineNames } from '../../models/ocr/create-ocr-engine.ts';
import {
  createLabelReader,
  createResidentMatcher,
  LabelImageError,
  loadResidentRoster,
  type ResidentMatcher,
  type ResidentRecord,
} from '../../pipelines/index.ts';
import { loadConfig, type ServiceConfig } from '../config/index.ts';
import { createStore, openDatabase, StoreError } from '../store/index.ts';
import { integer, parseOptions } from './cli-options.ts';

const round = (v: number) => Math.round(v * 10) / 10;

/** The residents the configured database knows; a missing schema is the user's to fix. */
async function residentsFromDatabase(config: ServiceConfig): Promise<ResidentRecord[]> {
  const db = await openDatabase(config.database);
  try {
    return await createStore(db).people.listResidents({ activeOnly: true });
  } catch (error) {
    throw new StoreError(
      `cannot list residents from the database (${(error as Error).message}); run "parcelroom migrate" first or pass --residents FILE`,
    );
  } finally {
    await db.close();
  }
}

export function addLabelCommands(program: Command): void {
  program
    .command('read-label')
    .description(
      'read shipping-label photos: barcodes, OCR, tracking number, carrier, recipient; prints JSON',
    )
    .argument('<images...>', 'label photos (JPEG, PNG, WebP…)')
    .option('--residents <file>', 'match against residents from a JSON or YAML list instead of the database')
    .option('--no-match', 'do not match the recipient against residents')
    .option('--no-barcodes', 'read the text only, as if every barcode were covered')
    .option('--engine <name>', `OCR engine: ${ocrEngineNames.join(', ')} (default from the config)`)
    .option('--workers <n>', 'OCR workers (default from the config)')
    .option('--lines', 'include every OCR line with its box and confidence')
    .action(async (images: string[], raw) => {
      const options = parseOptions(
        z.object({
          residents: z.string().optional(),
          match: z.boolean(),
          barcodes: z.boolean(),
          engine: z.enum(ocrEngineNames, { error: `must be one of ${ocrEngineNames.join(', ')}` }).optional(),
          workers: integer(1, 8).optional(),
          lines: z.boolean().optional(),
        }),
        raw,
      );
      const config = loadConfig({ file: program.opts().config });
      let residents: ResidentMatcher | undefined;
      if (options.match) {
        const roster = options.residents
          ? await loadResidentRoster(options.residents)
          : await residentsFromDatabase(config);
        residents = createResidentMatcher(roster);
      }
      const ocr = await createOcrEngine(options.engine ?? config.labels.ocrEngine, {
        workers: options.workers ?? config.labels.ocrWorkers,
      });
      try {
        const reader = createLabelReader({
          ocr,
          ...(residents ? { residents } : {}),
          building: {
            street: config.labels.buildingStreet,
            city: config.labels.buildingCity,
            state: config.labels.buildingState,
            zip: config.labels.buildingZip,
          },
        });
        const results = [];
        let failed = 0;
        for (const file of images) {
          const bytes = await readFile(file).catch((error: NodeJS.ErrnoException) => {
            throw new LabelImageError(`${file}: cannot read the file (${error.code ?? error.message})`);
          });
          try {
            const reading = await reader.read(bytes, { barcodes: options.barcodes });
            results.push({
              file,
              tracking: reading.fields.tracking,
              carrier: reading.fields.carrier,
              recipient: reading.fields.recipient,
              match: reading.match,
              barcodes: reading.barcodes.map(({ format, text, tracking }) => ({ format, text, tracking })),
              text: reading.text,
              ...(options.lines ? { lines: reading.lines } : {}),
              image: reading.image,
              timings: Object.fromEntries(Object.entries(reading.timings).map(([k, v]) => [k, round(v)])),
            });
          } catch (error) {
            // One unreadable photo among many is reported in place; the others are still read.
            if (!(error instanceof LabelImageError) || images.length === 1) throw error;
            failed++;
            results.push({ file, error: error.message });
          }
        }
        process.stdout.write(`${JSON.stringify(images.length === 1 ? results[0] : results, null, 2)}\n`);
        if (failed) process.exitCode = 1;
      } finally {
        await ocr.close();
      }
    });
}
