import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { bundlePage, PageBuildError } from '../../services/http/index.ts';

describe('page bundle', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'parcelroom-page-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('bundles an entry and what it imports into one module, type-only imports gone', async () => {
    await writeFile(
      join(dir, 'greeting.ts'),
      "export const greeting = (name: string): string => 'hi ' + name;\n",
    );
    await writeFile(
      join(dir, 'entry.ts'),
      "import type { Server } from 'node:http';\nimport { greeting } from './greeting.ts';\n" +
        'const none: Server | null = null;\ndocument.title = greeting(String(none));\n',
    );
    const code = (await bundlePage(join(dir, 'entry.ts'))).toString('utf8');
    assert.ok(!/^\s*import\s/m.test(code));
    assert.match(code, /"hi " \+ name/);
    assert.doesNotMatch(code, /node:http/);
  });

  test('a page that does not compile is refused with the file and line of the error', async () => {
    const entry = join(dir, 'broken.ts');
    await writeFile(entry, 'const ok = 1;\nconst = 2;\n');
    await assert.rejects(bundlePage(entry), (error: unknown) => {
      assert.ok(error instanceof PageBuildError);
      assert.equal(error.entryPath, entry);
      assert.match(error.message, /broken\.ts:2:\d+: /);
      return true;
    });
  });
});
