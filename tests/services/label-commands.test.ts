import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { cliPath, repoRoot } from '../support/service-process.ts';

const dir = mkdtempSync(join(tmpdir(), 'parcelroom-labels-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function parcelroom(...args: string[]) {
  return spawnSync(process.execPath, [cliPath, ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', LOG_LEVEL: 'silent' },
    timeout: 120_000,
  });
}

describe('parcelroom labels generate and read-label', () => {
  it('writes labels with their truth, then reads them back as JSON, reporting a bad file in place', () => {
    // Clean photos: this is about the command, the evaluation measures accuracy.
    const generated = parcelroom(
      'labels',
      'generate',
      '--out',
      dir,
      '--count',
      '2',
      '--seed',
      '77',
      '--difficulty',
      'clean',
    );
    assert.equal(generated.status, 0, generated.stderr);
    const index = JSON.parse(readFileSync(join(dir, 'labels.json'), 'utf8')) as {
      labels: Array<{ image: string; tracking: string; residentIndex: number | null }>;
    };
    assert.equal(index.labels.length, 2);
    writeFileSync(join(dir, 'not-a-photo.jpg'), 'plain text');
    const read = parcelroom(
      'read-label',
      '--no-match',
      join(dir, index.labels[0]!.image),
      join(dir, index.labels[1]!.image),
      join(dir, 'not-a-photo.jpg'),
    );
    assert.equal(read.status, 1, 'one unreadable file makes the exit code 1');
    const results = JSON.parse(read.stdout) as Array<{ tracking?: { value: string }; error?: string }>;
    assert.equal(results.length, 3);
    assert.equal(results[0]!.tracking?.value, index.labels[0]!.tracking);
    assert.equal(results[1]!.tracking?.value, index.labels[1]!.tracking);
    assert.match(results[2]!.error ?? '', /not an image/);
  });

  it('matches against a residents file and refuses a broken one with the reason', () => {
    const roster = join(dir, 'residents.yaml');
    writeFileSync(roster, '- firstName: Ada\n  lastName: Lovelace\n  apartment: 4B\n');
    const bad = join(dir, 'broken.yaml');
    writeFileSync(bad, '- firstName: Ada\n  apartment: 4B\n');
    const refused = parcelroom('read-label', '--residents', bad, join(dir, 'label-0001.jpg'));
    assert.equal(refused.status, 2);
    assert.match(refused.stderr, /broken\.yaml: not a list of residents at 0\.lastName/);
    assert.equal(refused.stdout, '');
  });
});
