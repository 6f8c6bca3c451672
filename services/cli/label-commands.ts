import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { z } from 'zod';
import { ocrEngineNames } from '../../models/ocr/ocr-engine-names.ts';
import type { ResidentMatcher, ResidentRecord } from '../../pipelines/index.ts';
import { labelDifficulties } from '../../simulator/labels/label-truth.ts';
import { loadConfig, type ServiceConfig } from '../config/index.ts';
import { integer, parseOptions } from './cli-options.ts';

const round = (v: number) => Math.round(v * 10) / 10;

/** The residents the configured database knows; a missing schema is the user's to fix. */
async function residentsFromDatabase(config: ServiceConfig): Promise<ResidentRecord[]> {
  const { createStore, openDatabase, StoreError } = await import('../store/index.ts');
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
    .option(
      '--line-engine <name>',
      `second look at missed tracking lines: ${ocrEngineNames.join(', ')} or none (default from the config)`,
    )
    .option('--workers <n>', 'OCR workers (default from the config)')
    .option('--lines', 'include every OCR line with its box and confidence')
    .action(async (images: string[], raw) => {
      const options = parseOptions(
        z.object({
          residents: z.string().optional(),
          match: z.boolean(),
          barcodes: z.boolean(),
          engine: z.enum(ocrEngineNames, { error: `must be one of ${ocrEngineNames.join(', ')}` }).optional(),
          lineEngine: z
            .enum([...ocrEngineNames, 'none'], {
              error: `must be one of ${ocrEngineNames.join(', ')} or none`,
            })
            .optional(),
          workers: integer(1, 8).optional(),
          lines: z.boolean().optional(),
        }),
        raw,
      );
      const config = loadConfig({ file: program.opts().config });
      // The OCR engines (tesseract, onnxruntime) and the label reader load when a label is read.
      const [
        { createLabelOcrEngines },
        { createLabelReader, createResidentMatcher, LabelImageError, loadResidentRoster },
      ] = await Promise.all([
        import('../../models/ocr/create-ocr-engine.ts'),
        import('../../pipelines/index.ts'),
      ]);
      let residents: ResidentMatcher | undefined;
      if (options.match) {
        const roster = options.residents
          ? await loadResidentRoster(options.residents)
          : await residentsFromDatabase(config);
        residents = createResidentMatcher(roster);
      }
      const engines = await createLabelOcrEngines(
        options.engine ?? config.labels.ocrEngine,
        options.lineEngine ?? config.labels.ocrLineEngine,
        { workers: options.workers ?? config.labels.ocrWorkers },
      );
      try {
        const reader = createLabelReader({
          ocr: engines.ocr,
          ...(engines.lineOcr ? { lineOcr: engines.lineOcr } : {}),
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
        await engines.close();
      }
    });

  const labels = program.command('labels').description('synthetic shipping labels for tests and evaluation');
  labels
    .command('generate')
    .description('write kiosk photos of generated shipping labels with their ground truth (JSON)')
    .requiredOption('--out <dir>', 'folder to write label-0001.jpg, label-0001.json … and labels.json into')
    .option('--count <n>', 'how many labels', '20')
    .option('--seed <n>', 'random seed; the same seed writes the same labels', '1')
    .option('--difficulty <name>', `photo conditions: ${labelDifficulties.join(', ')}`, 'realistic')
    .option('--flat', 'also write each label as printed, before the photo (label-0001.flat.png)')
    .action(async (raw) => {
      const options = parseOptions(
        z.object({
          out: z.string().min(1),
          count: integer(1, 100_000),
          seed: z.coerce.number().int('must be a whole number'),
          difficulty: z.enum(labelDifficulties, { error: `must be one of ${labelDifficulties.join(', ')}` }),
          flat: z.boolean().optional(),
        }),
        raw,
      );
      const config = loadConfig({ file: program.opts().config });
      const [{ writeLabelSet }, { demoResidents }] = await Promise.all([
        import('../../simulator/index.ts'),
        import('../seed/demo-people.ts'),
      ]);
      const index = await writeLabelSet(options.out, {
        count: options.count,
        seed: options.seed,
        difficulty: options.difficulty,
        flat: options.flat ?? false,
        roster: demoResidents(),
        building: {
          street: config.labels.buildingStreet,
          city: config.labels.buildingCity,
          state: config.labels.buildingState,
          zip: config.labels.buildingZip,
        },
      });
      process.stdout.write(
        `${JSON.stringify({ out: options.out, count: index.count, seed: index.seed, difficulty: index.difficulty })}\n`,
      );
    });
}
