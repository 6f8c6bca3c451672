import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { simpleParser } from 'mailparser';
import { type RunningService, startService } from '../../../services/app/index.ts';
import { ConfigError, loadConfig, redactConfig } from '../../../services/config/index.ts';
import { createLogger } from '../../../services/logging/index.ts';
import {
  type BackendKind,
  createScratchBackend,
  createScratchFolder,
  type ScratchBackend,
} from '../../support/databases.ts';
import { linkSecret, type NotificationBed, placePackage } from './notification-fixtures.ts';

for (const kind of ['server', 'embedded'] as BackendKind[]) {
  describe(`notifications in the running service on the ${kind} database (no SMTP configured: the mail drop)`, () => {
    let backend: ScratchBackend;
    let service: RunningService;
    const drop = createScratchFolder('parcelroom-drop-');

    before(async () => {
      backend = await createScratchBackend(kind);
      const config = loadConfig({
        env: {
          ...(backend.settings.url
            ? { DATABASE_URL: backend.settings.url }
            : { PARCELROOM_DATA_DIR: backend.settings.dataDir }),
          PARCELROOM_HTTP_PORT: '0',
          PARCELROOM_SIMULATOR: 'false',
          // The demo people cost an argon2 hash each; these tests bring their own resident.
          PARCELROOM_DEMO_SEED: 'false',
          PARCELROOM_MAIL_DROP_DIR: drop.path,
          PARCELROOM_NOTIFY_POLL_MS: '50',
          PARCELROOM_LINK_SECRET: linkSecret,
          PARCELROOM_PUBLIC_URL: 'https://parcels.building.example',
        },
      });
      service = await startService(config, {
        logger: createLogger({ level: 'silent' }),
        printSecrets: () => {},
      });
    });
    after(async () => {
      await service?.stop();
      await backend?.dispose();
      drop.remove();
    });

    const waitForFiles = async (dir: string, suffix: string, count: number) => {
      for (let i = 0; i < 200; i++) {
        const files = (() => {
          try {
            return readdirSync(dir).filter((f) => f.endsWith(suffix));
          } catch {
            return [];
          }
        })();
        if (files.length >= count) return files;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      throw new Error(`no ${suffix} file appeared in ${dir}`);
    };

    test('a placement written with its outbox rows becomes an .eml file and a text file, and the photo link opens the photo', async () => {
      const bed = { db: service.store.db, store: service.store } as NotificationBed;
      const placed = await placePackage(bed, { slotId: 'A2-3', phone: '+15105550177' });
      const [eml] = await waitForFiles(drop.path, '.eml', 1);
      const [sms] = await waitForFiles(join(drop.path, 'sms'), '.sms.txt', 1);

      const mail = await simpleParser(readFileSync(join(drop.path, eml!)));
      assert.match(mail.text ?? '', new RegExp(`PIN: ${placed.pin}`));
      assert.match(mail.text ?? '', /Shelf A, level 2 \(from the floor\), second from the right/);
      assert.deepEqual(mail.attachments.map((a) => a.cid).sort(), [
        'package-photo',
        'pickup-qr',
        'shelf-map',
      ]);
      assert.match(
        readFileSync(join(drop.path, 'sms', sms!), 'utf8'),
        /^To: \+15105550177\n\nParcelroom: a package/,
      );

      const link = /https:\/\/parcels\.building\.example(\/p\/[^/\s]+\/photo)/.exec(mail.text ?? '');
      assert.ok(link, 'the mail links to the photo under the public URL');
      const photo = await fetch(`${service.url}${link[1]}`);
      assert.equal(photo.status, 200);
      assert.deepEqual(Buffer.from(await photo.arrayBuffer()), placed.photo);

      const metrics = await (await fetch(`${service.url}/metrics`)).text();
      assert.match(
        metrics,
        /parcelroom_notifications_sent_total\{channel="email",template="package_placed"\} 1/,
      );
      assert.match(metrics, /parcelroom_notifications_queue_depth\{status="sent"\} 2/);
    });
  });
}

describe('notification settings', () => {
  test('config print hides the SMTP and SMS passwords and the link secret', () => {
    const config = loadConfig({
      env: {
        PARCELROOM_SMTP_HOST: 'mail.building.example',
        PARCELROOM_SMTP_USER: 'parcelroom',
        PARCELROOM_SMTP_PASSWORD: 'smtp-secret',
        PARCELROOM_SMS_URL: 'https://api.sms.example/Messages.json',
        PARCELROOM_SMS_FROM: '+15105550100',
        PARCELROOM_SMS_PASSWORD: 'sms-secret',
        PARCELROOM_LINK_SECRET: linkSecret,
      },
    });
    const printed = JSON.stringify(redactConfig(config));
    for (const secret of ['smtp-secret', 'sms-secret', linkSecret])
      assert.ok(!printed.includes(secret), secret);
    assert.equal(config.notifications.smtp.host, 'mail.building.example');
    assert.equal(config.notifications.smtp.password, 'smtp-secret');
  });

  test('a bad notification setting stops the start naming the variable', () => {
    assert.throws(
      () => loadConfig({ env: { PARCELROOM_REMINDER_DAYS: '0' } }),
      (error: Error) =>
        error instanceof ConfigError &&
        error.message === 'config: PARCELROOM_REMINDER_DAYS must be a number of days from 1 to 60 (got "0")',
    );
    assert.throws(
      () => loadConfig({ env: { PARCELROOM_SMS_URL: 'https://api.sms.example/Messages.json' } }),
      /notifications\.sms\.from needs a sender number \(from\) when a provider URL is set/,
    );
    assert.throws(
      () => loadConfig({ env: { PARCELROOM_LINK_SECRET: 'short' } }),
      /PARCELROOM_LINK_SECRET must be at least 16/,
    );
  });
});
