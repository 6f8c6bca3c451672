import { execFile, spawn } from 'node:child_process';
import sharp from 'sharp';
import { z } from 'zod';
import { ConcurrencyLimit } from './concurrency-limit.ts';
import { type OcrEngine, OcrError, type OcrInput, type OcrResult } from './ocr-engine.ts';
import { ocrInputPipeline } from './ocr-input.ts';
import { linesFromTesseractTsv } from './tesseract-tsv.ts';

const engineName = 'tesseract-native';
const installHint =
  "install Debian's tesseract-ocr and tesseract-ocr-eng (apt-get install tesseract-ocr tesseract-ocr-eng)";

export const nativeTesseractOptionsSchema = z
  .object({
    /** The tesseract executable; a bare name is looked up on PATH. */
    binaryPath: z.string().min(1).default('tesseract'),
    /**
     * Processes running at once. Each is held to one thread (OMP_THREAD_LIMIT=1: tesseract's
     * OpenMP threads cost more than they save on small images), so one per core is the most
     * that helps; further images wait their turn.
     */
    workers: z.number().int().min(1).max(16).default(2),
    /** A process still running after this is killed and its image rejected. */
    timeoutMs: z.number().int().min(100).max(600_000).default(10_000),
    /** Tesseract language(s), e.g. "eng" or "eng+deu"; each needs Debian's tesseract-ocr-<lang>. */
    language: z
      .string()
      .regex(/^[a-z][a-z_]*(\+[a-z][a-z_]*)*$/, 'expected language codes like "eng" or "eng+deu"')
      .default('eng'),
    /** Page segmentation: 3 finds blocks itself, 6 assumes one block, 11 reads sparse text. */
    pageSegMode: z.enum(['3', '4', '6', '11', '12']).default('3'),
    /** Rectified labels carry no resolution; without one tesseract guesses per image. */
    dpi: z.number().int().min(70).max(2400).default(300),
  })
  .strict();
export type NativeTesseractOptions = z.input<typeof nativeTesseractOptionsSchema>;

/**
 * Debian's tesseract binary, one process per image fed a PNG on stdin and read as TSV. A process
 * per image costs ~20 ms of start-up and model loading (from the page cache) but cannot leak
 * state between labels, and a stuck one is simply killed. recognize() may be called
 * concurrently: `workers` processes run at once and the rest queue (recognizeMs excludes the
 * wait and includes the PNG encoding). close() rejects queued images and resolves once the
 * running processes have finished.
 */
export async function createNativeTesseractEngine(options: NativeTesseractOptions = {}): Promise<OcrEngine> {
  const parsed = nativeTesseractOptionsSchema.safeParse(options);
  if (!parsed.success)
    throw new OcrError(
      `${engineName} options: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(options)'} ${i.message}`).join('; ')}`,
    );
  const settings = parsed.data;
  const { binaryPath } = settings;

  await runTesseractInfo(binaryPath, ['--version'], settings.timeoutMs);
  // --list-langs prints to stdout from tesseract 4.1 on and to stderr before; read both.
  const listing = await runTesseractInfo(binaryPath, ['--list-langs'], settings.timeoutMs);
  const installed = new Set(listing.split('\n').map((l) => l.trim()));
  for (const language of settings.language.split('+')) {
    if (!installed.has(language))
      throw new OcrError(
        `${binaryPath} has no "${language}" language data: install Debian's tesseract-ocr-${language.replace(/_/g, '-')}`,
      );
  }

  const args = [
    'stdin',
    'stdout',
    '--psm',
    settings.pageSegMode,
    '-l',
    settings.language,
    '--dpi',
    String(settings.dpi),
    'tsv',
  ];
  const read = async (image: OcrInput): Promise<OcrResult> => {
    const started = performance.now();
    const png = await toPng(image);
    const tsv = await runTesseract(binaryPath, args, png, settings.timeoutMs);
    let lines: ReturnType<typeof linesFromTesseractTsv>;
    try {
      lines = linesFromTesseractTsv(tsv);
    } catch (error) {
      throw new OcrError(`${binaryPath} printed something other than TSV: ${(error as Error).message}`);
    }
    // Tesseract's own block order keeps a label's columns apart, as in the tesseract.js engine.
    return { text: lines.map((l) => l.text).join('\n'), lines, recognizeMs: performance.now() - started };
  };
  // Pages the language model into the cache and proves the whole path works before a label waits on it.
  await read(await warmUpImage());

  const limit = new ConcurrencyLimit(settings.workers);
  let closing: Promise<void> | undefined;
  return {
    name: engineName,
    async recognize(image: OcrInput): Promise<OcrResult> {
      if (closing) throw new OcrError(`the ${engineName} engine is closed`);
      return limit.run(() => read(image));
    },
    close() {
      closing ??= limit.close(new OcrError(`the ${engineName} engine was closed before it read this image`));
      return closing;
    },
  };
}

/** Output (stdout and stderr together) of a quick informational call, with install advice on failure. */
function runTesseractInfo(binaryPath: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(binaryPath, args, { timeout: timeoutMs, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (!error) return resolve(`${stdout}\n${stderr}`);
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'EACCES')
        return reject(new OcrError(`${binaryPath} cannot be run (${code}): ${installHint}`));
      reject(
        new OcrError(
          `${binaryPath} ${args.join(' ')} failed: ${lastLines(stderr) || error.message}; it may be broken: ${installHint}`,
        ),
      );
    });
  });
}

/** Runs tesseract on one PNG given on stdin and returns its stdout. */
function runTesseract(binaryPath: string, args: string[], png: Buffer, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(binaryPath, args, {
      env: { ...process.env, OMP_THREAD_LIMIT: '1' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const stdout: Buffer[] = [];
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => {
      // Only the end is reported; a flood of warnings must not grow without bound.
      stderr = (stderr + chunk.toString('utf8')).slice(-4000);
    });
    // Writing to a process that has already exited fails with EPIPE; its exit status says why.
    child.stdin.on('error', () => {});
    child.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(
        error.code === 'ENOENT' || error.code === 'EACCES'
          ? new OcrError(`${binaryPath} cannot be run (${error.code}): ${installHint}`)
          : new OcrError(`${binaryPath} could not be started: ${error.message}`),
      );
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (timedOut)
        reject(new OcrError(`${binaryPath} took longer than ${timeoutMs} ms on one image and was stopped`));
      else if (code !== 0)
        reject(
          new OcrError(`${binaryPath} failed (${code ?? signal}): ${lastLines(stderr) || 'no message'}`),
        );
      else resolve(Buffer.concat(stdout).toString('utf8'));
    });
    child.stdin.end(png);
  });
}

function lastLines(text: string): string {
  return text.trim().split('\n').slice(-3).join(' / ');
}

/**
 * Every input is decoded and written out again as greyscale PNG: tesseract reads stdin that is
 * not an image as a list of file names to open, so bytes from a caller never reach it as they
 * are. Compression level 1: a few ms, and the pipe does not care about size.
 */
async function toPng(image: OcrInput): Promise<Buffer> {
  try {
    return await ocrInputPipeline(image).greyscale().png({ compressionLevel: 1 }).toBuffer();
  } catch (error) {
    throw new OcrError(`${engineName} cannot read the image: ${(error as Error).message}`);
  }
}

async function warmUpImage(): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="320" height="60"><rect width="320" height="60" fill="white"/><text x="10" y="42" font-family="Liberation Sans, DejaVu Sans, sans-serif" font-size="32">SHIP TO 1Z</text></svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}
