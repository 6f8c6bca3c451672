import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { simpleParser } from 'mailparser';
import { type RunningService, startService } from '../../services/app/index.ts';
import { loadConfig } from '../../services/config/index.ts';
import { createLogger } from '../../services/logging/index.ts';
import { createScratchFolder } from '../support/databases.ts';
import { type NotificationBed, placePackage } from './notifications/notification-fixtures.ts';

/** The first photo link in the mail drop folder, once the worker has written the message. */
async function photoLinkFromMailDrop(dropDir: string, timeoutMs = 60_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const files = (() => {
      try {
        return readdirSync(dropDir).filter((name) => name.endsWith('.eml'));
      } catch {
        return [];
      }
    })();
    for (const file of files) {
      const mail = await simpleParser(readFileSync(join(dropDir, file)));
      const link = /https?:\/\/[^\s"'<>]+\/p\/[^/\s"'<>]+\/photo/.exec(
        `${mail.text ?? ''} ${mail.html || ''}`,
      );
      if (link) return link[0];
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no message with a photo link appeared in ${dropDir}`);
}

describe('photo links through a restart of a default install', { timeout: 180_000 }, () => {
  let folder: ReturnType<typeof createScratchFolder>;
  let service: RunningService | undefined;
  // A default install: the embedded database, no PARCELROOM_LINK_SECRET.
  const env = () => ({
    PARCELROOM_DATA_DIR: join(folder.path, 'pglite'),
    PARCELROOM_MAIL_DROP_DIR: join(folder.path, 'mail'),
    PARCELROOM_HTTP_PORT: '0',
    PARCELROOM_SIMULATOR: 'false',
    PARCELROOM_NOTIFY_POLL_MS: '100',
  });
  const start = () =>
    startService(loadConfig({ env: env() }), {
      logger: createLogger({ level: 'silent' }),
      printSecrets: () => {},
    });

  before(() => {
    folder = createScratchFolder('parcelroom-links-');
  });
  after(async () => {
    await service?.stop();
    folder?.remove();
  });

  test("a resident's photo link from before the restart still opens the photo after it", async () => {
    service = await start();
    const bed = { db: service.store.db, store: service.store } as NotificationBed;
    const placed = await placePackage(bed);
    const link = await photoLinkFromMailDrop(join(folder.path, 'mail'));
    const path = new URL(link).pathname;
    const before = await fetch(`${service.url}${path}`);
    assert.equal(before.status, 200, 'the link works on the service that sent it');
    assert.deepEqual(Buffer.from(await before.arrayBuffer()), placed.photo);
    await service.stop();

    service = await start();
    const afterRestart = await fetch(`${service.url}${path}`);
    assert.equal(afterRestart.status, 200, 'the link still works after the restart');
    assert.equal(afterRestart.headers.get('content-type'), 'image/jpeg');
    assert.deepEqual(Buffer.from(await afterRestart.arrayBuffer()), placed.photo);
    // A forged link is still refused: the key survived, it did not become something guessable.
    const forged = path.replace(/\.[A-Za-z0-9_-]{43}\/photo$/, `.${'A'.repeat(43)}/photo`);
    assert.notEqual(forged, path);
    assert.equal((await fetch(`${service.url}${forged}`)).status, 404);
  });

  test('a configured PARCELROOM_LINK_SECRET is used instead of the stored key', async () => {
    await service?.stop();
    service = await startService(
      loadConfig({ env: { ...env(), PARCELROOM_LINK_SECRET: 'configured-link-secret-0123456789' } }),
      { logger: createLogger({ level: 'silent' }), printSecrets: () => {} },
    );
    const link = await photoLinkFromMailDrop(join(folder.path, 'mail'));
    // The link signed under the stored key no longer verifies under the configured one.
    assert.equal((await fetch(`${service.url}${new URL(link).pathname}`)).status, 404);
  });
});
