import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const services = resolve(dirname(fileURLToPath(import.meta.url)), '../../services');

/** The service folders each TypeScript file of `folder` imports, other than its own. */
function foldersImportedBy(folder: string): Map<string, string[]> {
  const found = new Map<string, string[]>();
  const root = join(services, folder);
  for (const entry of readdirSync(root, { recursive: true, encoding: 'utf8' })) {
    if (!entry.endsWith('.ts')) continue;
    const file = join(root, entry);
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    for (const { fileName } of importedFiles) {
      if (!fileName.startsWith('.')) continue;
      const target = relative(services, resolve(dirname(file), fileName)).split('/')[0]!;
      if (target === folder) continue;
      found.set(target, [...(found.get(target) ?? []), relative(services, file)]);
    }
  }
  return found;
}

test('the store never imports the notifications: the outbox is written in the store and drained by notifications', () => {
  assert.deepEqual(foldersImportedBy('store').get('notifications') ?? [], []);
  assert.ok(foldersImportedBy('notifications').has('store'), 'notifications depends on the store');
});
