import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './service-process.ts';

/**
 * Where the end-to-end tests save their screenshots: `docs/images/` when
 * PARCELROOM_UPDATE_SCREENSHOTS=1 (to refresh the pictures the docs show), else a temporary
 * folder, so that running the tests leaves the checkout as it was.
 */
export function screenshotFolder(): string {
  if (process.env.PARCELROOM_UPDATE_SCREENSHOTS === '1') return join(repoRoot, 'docs/images');
  return mkdtempSync(join(tmpdir(), 'parcelroom-screenshots-'));
}
