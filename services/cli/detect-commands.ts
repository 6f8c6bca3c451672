import { mkdirSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { z } from 'zod';
import { bundledModelPath } from '../../models/detector/bundled-model.ts';
import type { NamedDetection } from '../../models/index.ts';
import { fraction, integer, parseOptions } from './cli-options.ts';

const palette = ['#ff3b30', '#34c759', '#007aff', '#ff9500', '#af52de', '#5ac8fa'];

const escapeXml = (text: string) =>
  text.replace(
    /[<>&'"]/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!,
  );

/** The image with each detection's box and "class score" label drawn over it. */
async function drawDetections(image: Buffer, detections: NamedDetection[], out: string): Promise<void> {
  const { default: sharp } = await import('sharp');
  const meta = await sharp(image).rotate().metadata();
  const width = meta.autoOrient?.width ?? meta.width!;
  const height = meta.autoOrient?.height ?? meta.height!;
  const stroke = Math.max(2, Math.round(width / 400));
  const font = Math.max(12, Math.round(width / 70));
  const shapes = detections.map((d) => {
    const colour = palette[d.classId % palette.length]!;
    const label = `${escapeXml(d.className)} ${d.score.toFixed(2)}`;
    const labelY = d.y > font + 4 ? d.y - font - 4 : d.y;
    return `<rect x="${d.x}" y="${d.y}" width="${d.width}" height="${d.height}" fill="none" stroke="${colour}" stroke-width="${stroke}"/>
<rect x="${d.x}" y="${labelY}" width="${label.length * font * 0.62 + 6}" height="${font + 4}" fill="${colour}"/>
<text x="${d.x + 3}" y="${labelY + font}" font-family="DejaVu Sans, sans-serif" font-size="${font}" fill="#fff">${label}</text>`;
  });
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${shapes.join('\n')}</svg>`;
  mkdirSync(dirname(resolve(out)), { recursive: true });
  await sharp(image)
    .rotate()
    .composite([{ input: Buffer.from(svg), top: 0, left: 0 }])
    .png()
    .toFile(out);
}

const round = (v: number, digits = 1) => Math.round(v * 10 ** digits) / 10 ** digits;

export function addDetectCommands(program: Command): void {
  program
    .command('detect')
    .description('find packages (and people) in images with the ONNX detector; prints JSON')
    .argument('<images...>', 'image files (JPEG, PNG, WebP…)')
    .option('--model <file>', 'ONNX detection model (standard YOLOv8/YOLO11 export layout)', bundledModelPath)
    .option('--score <n>', 'lowest score reported', '0.25')
    .option('--threads <n>', 'onnxruntime intra-op threads', '1')
    .option('--draw <out.png>', 'also write the image with its boxes drawn (one image only)')
    .action(async (images: string[], raw) => {
      const options = parseOptions(
        z.object({
          model: z.string(),
          score: fraction('score'),
          threads: integer(1, 64),
          draw: z.string().optional(),
        }),
        raw,
      );
      // onnxruntime and sharp load when a detection runs, not for `--help` (see commands.ts).
      const { createPackageDetector, DetectorError } = await import('../../models/index.ts');
      if (options.draw && images.length !== 1)
        throw new DetectorError('--draw takes exactly one image (it writes one picture)');
      const detector = await createPackageDetector({
        modelPath: options.model,
        intraOpThreads: options.threads,
        scoreThreshold: options.score,
      });
      try {
        const results = [];
        for (const file of images) {
          const bytes = await readFile(file).catch(() => {
            throw new DetectorError(`${file}: cannot read the file`);
          });
          const result = await detector.detect(bytes).catch((error: Error) => {
            throw new DetectorError(`${file}: ${error.message}`);
          });
          results.push({
            image: file,
            width: result.width,
            height: result.height,
            detections: result.detections.map((d) => ({
              class: d.className,
              classId: d.classId,
              score: round(d.score, 3),
              box: { x: round(d.x), y: round(d.y), width: round(d.width), height: round(d.height) },
            })),
            timingsMs: {
              preprocess: round(result.timings.preprocessMs, 2),
              inference: round(result.timings.inferenceMs, 2),
              decode: round(result.timings.decodeMs, 2),
            },
          });
          if (options.draw) await drawDetections(bytes, result.detections, options.draw);
        }
        process.stdout.write(`${JSON.stringify(results.length === 1 ? results[0] : results, null, 2)}\n`);
      } finally {
        await detector.close();
      }
    });

  program
    .command('eval-detector')
    .description(
      'score a detector on a YOLO-format folder: precision, recall, mAP@0.5, mAP@0.5:0.95, latency',
    )
    .requiredOption('--data <dir>', 'YOLO-format folder (images/, labels/)')
    .option('--model <file>', 'ONNX detection model', bundledModelPath)
    .option('--score <n>', 'score at which precision and recall are taken', '0.25')
    .option('--threads <n>', 'onnxruntime intra-op threads', '1')
    .option('--out <file>', 'where to write the JSON result (default eval-results/detector-<data>.json)')
    .action(async (raw) => {
      const options = parseOptions(
        z.object({
          data: z.string(),
          model: z.string(),
          score: fraction('score'),
          threads: integer(1, 64),
          out: z.string().optional(),
        }),
        raw,
      );
      const { createPackageDetector, evaluateDetector } = await import('../../models/index.ts');
      const detector = await createPackageDetector({
        modelPath: options.model,
        intraOpThreads: options.threads,
      });
      try {
        const result = await evaluateDetector(detector, options.data, {
          scoreThreshold: options.score,
          onProgress: (done, total) => {
            if (done % 50 === 0 || done === total) process.stderr.write(`\r${done}/${total} images`);
          },
        });
        process.stderr.write('\n');
        const { metrics, latencyMs } = result;
        const summary = {
          data: result.data,
          model: result.model,
          images: result.images,
          groundTruth: result.groundTruth,
          precision: round(metrics.precision, 4),
          recall: round(metrics.recall, 4),
          map50: round(metrics.map50, 4),
          map50to95: round(metrics.map50to95, 4),
          perClass: metrics.perClass.map((c) => ({
            class: detector.classNames[c.classId],
            groundTruth: c.groundTruth,
            precision: round(c.precision, 4),
            recall: round(c.recall, 4),
            map50: round(c.ap[0]!, 4),
            map50to95: round(c.ap.reduce((a, b) => a + b, 0) / c.ap.length, 4),
          })),
          scoreThreshold: result.scoreThreshold,
          medianLatencyMs: {
            preprocess: round(latencyMs.preprocess, 2),
            inference: round(latencyMs.inference, 2),
            decode: round(latencyMs.decode, 2),
            total: round(latencyMs.total, 2),
          },
          threads: options.threads,
        };
        const out = options.out ?? join('eval-results', `detector-${basename(resolve(options.data))}.json`);
        mkdirSync(dirname(resolve(out)), { recursive: true });
        writeFileSync(out, `${JSON.stringify(summary, null, 2)}\n`);
        process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
        process.stderr.write(`written to ${out}\n`);
      } finally {
        await detector.close();
      }
    });
}
