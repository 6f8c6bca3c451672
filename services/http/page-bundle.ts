import { type BuildFailure, build, type Message } from 'esbuild';

/**
 * The browsers a kiosk or a front-desk PC is likely to run; esbuild lowers newer syntax for them.
 * One list for every page, so the kiosk and the staff page never disagree on what they support.
 */
export const pageBrowserTargets = ['chrome110', 'firefox115', 'safari16'];

/** Raised when a page's TypeScript does not compile; names the file and line of each error. */
export class PageBuildError extends Error {
  constructor(
    readonly entryPath: string,
    readonly errors: readonly string[],
  ) {
    super(`the page ${entryPath} does not compile:\n${errors.join('\n')}`);
    this.name = 'PageBuildError';
  }
}

const describe = (message: Message) =>
  message.location
    ? `${message.location.file}:${message.location.line}:${message.location.column}: ${message.text}`
    : message.text;

/**
 * Compiles a page's TypeScript entry and everything it imports into one ES module, in memory
 * (a few hundred ms at start). Pages are built when the service starts rather than ahead of time,
 * so there is no build step to forget and nothing compiled is committed. Type-only imports of
 * server modules vanish here: the page shares the server's types, never its code.
 */
export async function bundlePage(entryPath: string): Promise<Buffer> {
  try {
    const result = await build({
      entryPoints: [entryPath],
      bundle: true,
      write: false,
      format: 'esm',
      target: pageBrowserTargets,
      logLevel: 'silent',
      legalComments: 'none',
    });
    return Buffer.from(result.outputFiles[0]!.contents);
  } catch (error) {
    const { errors } = error as Partial<BuildFailure>;
    if (Array.isArray(errors)) throw new PageBuildError(entryPath, errors.map(describe));
    throw error;
  }
}
