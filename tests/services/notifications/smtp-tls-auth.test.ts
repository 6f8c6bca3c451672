import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { simpleParser } from 'mailparser';
import { ConfigError, loadConfig } from '../../../services/config/index.ts';
import {
  createNotificationService,
  createOutboxRepository,
  createSmsDropSender,
  createSmtpSender,
  type EmailSender,
  type OutboxRepository,
  type SmtpSettings,
} from '../../../services/notifications/index.ts';
import { createScratchFolder } from '../../support/databases.ts';
import {
  rawMail,
  type SmtpServerProcess,
  startSmtpServerProcess,
} from '../../support/smtp-server-process.ts';
import { makeTestCertificates, type TestCertificates } from '../../support/test-certificates.ts';
import {
  fromAddress,
  linkSecret,
  type NotificationBed,
  openNotificationBed,
  placePackage,
  runUntil,
  silentLogger,
  testWorker,
} from './notification-fixtures.ts';

const user = 'parcelroom';
const password = 'correct horse battery staple';

describe('mail through an SMTP server in its own process, with STARTTLS and a login', () => {
  let bed: NotificationBed;
  let outbox: OutboxRepository;
  let certificates: TestCertificates;
  let otherCa: TestCertificates;
  /** STARTTLS with the test CA's certificate, AUTH PLAIN/LOGIN required. */
  let secure: SmtpServerProcess;
  /** Neither STARTTLS nor AUTH: a relay set up without encryption. */
  let plain: SmtpServerProcess;
  const folder = createScratchFolder('parcelroom-smtp-');
  const sms = createSmsDropSender(`${folder.path}/sms`);
  const senders: EmailSender[] = [];

  const sender = (server: SmtpServerProcess, overrides: Partial<SmtpSettings> = {}) => {
    const created = createSmtpSender({
      host: '127.0.0.1',
      port: server.port,
      secure: false,
      requireTls: true,
      user,
      password,
      ca: certificates.caPem,
      timeoutMs: 10_000,
      ...overrides,
    });
    senders.push(created);
    return created;
  };

  before(async () => {
    certificates = makeTestCertificates(folder.path, 'room');
    otherCa = makeTestCertificates(folder.path, 'stranger');
    [bed, secure, plain] = await Promise.all([
      openNotificationBed(),
      startSmtpServerProcess({
        tls: { keyFile: certificates.keyFile, certFile: certificates.certFile },
        users: { [user]: password },
      }),
      startSmtpServerProcess({}),
    ]);
    outbox = createOutboxRepository(bed.db);
  });
  after(async () => {
    for (const s of senders) await s.close();
    await Promise.all([secure?.stop(), plain?.stop()]);
    await bed?.close();
    folder.remove();
  });
  beforeEach(async () => {
    // Each test looks only at its own rows.
    await bed.db.query(
      `UPDATE notification_outbox SET status = 'cancelled' WHERE status IN ('pending', 'sending')`,
    );
  });

  test('with the right password over STARTTLS the placed mail is delivered exactly once, encrypted and logged in, with its headers, recipient, PIN and shelf', async () => {
    const before = await secure.report();
    const placed = await placePackage(bed, { slotId: 'B3-2' });
    const id = placed.outboxIds[0]!;
    const { worker } = testWorker(bed, { email: sender(secure), sms });
    assert.equal((await worker.runOnce()).sent, 1);
    // More rounds change nothing: a sent row is never sent again.
    for (let i = 0; i < 3; i++) assert.equal((await worker.runOnce()).claimed, 0);

    const report = await secure.report();
    const mails = report.mails.slice(before.mails.length);
    assert.equal(mails.length, 1, 'exactly one mail');
    const [received] = mails;
    assert.equal(received!.secure, true, 'the mail came over the STARTTLS-upgraded connection');
    assert.equal(received!.user, user, 'the session was logged in');
    const logins = report.logins.slice(before.logins.length);
    assert.ok(logins.length >= 1);
    assert.ok(
      logins.every((l) => l.accepted && l.secure),
      'the password only ever crossed the encrypted connection',
    );

    const resident = (await bed.store.people.listResidents()).find((r) => r.id === placed.residentId)!;
    assert.deepEqual(received!.to, [resident.email]);
    assert.equal(received!.from, 'parcelroom@room.example');
    const mail = await simpleParser(rawMail(received!), { keepCidLinks: true });
    assert.deepEqual(mail.from?.value, [{ name: 'Parcelroom', address: 'parcelroom@room.example' }]);
    assert.equal(fromAddress, 'Parcelroom <parcelroom@room.example>');
    assert.deepEqual(mail.to && !Array.isArray(mail.to) ? mail.to.value.map((a) => a.address) : [], [
      resident.email,
    ]);
    assert.match(mail.subject ?? '', /Shelf B, level 3 \(from the floor\), second from the left/);
    const row = await outbox.get(id);
    assert.equal(row?.status, 'sent');
    assert.equal(row?.attempts, 1);
    assert.equal(mail.messageId, row?.messageId, 'the Message-ID recorded on the row is the one sent');
    assert.match(mail.text ?? '', new RegExp(`PIN: ${placed.pin}`));
    assert.match(mail.text ?? '', /Hello Maya/);
    assert.match(mail.text ?? '', /1Z999AA10123456784 \(UPS\)/);
    const html = typeof mail.html === 'string' ? mail.html : '';
    assert.match(html, new RegExp(`>${placed.pin}</strong>`));
    assert.deepEqual(
      mail.attachments.map((a) => a.cid).sort(),
      ['package-photo', 'pickup-qr', 'shelf-map'],
      'photo, map and QR code travel inline',
    );
  });

  test('a wrong password is refused with 535 and parks the message at once with the server’s reason; after staff fix it and requeue, it is delivered once', async () => {
    const before = await secure.report();
    const placed = await placePackage(bed);
    const id = placed.outboxIds[0]!;
    const wrong = testWorker(bed, { email: sender(secure, { password: 'Tr0ub4dor&3' }), sms });
    const outcome = await wrong.worker.runOnce();
    assert.equal(outcome.parked, 1);
    assert.equal(outcome.retried, 0, 'not retried: the same password would be refused the same way');

    const parked = await outbox.get(id);
    assert.equal(parked?.status, 'parked');
    assert.equal(parked?.attempts, 1);
    assert.match(
      parked?.lastError ?? '',
      /^refused: SMTP 535 login refused for "parcelroom" by 127\.0\.0\.1:\d+/,
    );
    assert.match(parked?.lastError ?? '', /Authentication credentials invalid/, 'the server’s own words');
    assert.match(parked?.lastError ?? '', /PARCELROOM_SMTP_PASSWORD/, 'what to fix');
    assert.doesNotMatch(parked?.lastError ?? '', /Tr0ub4dor/, 'never the password itself');
    assert.ok(parked?.payload.pickupPin, 'a parked row keeps what a requeue needs');
    const afterRefusal = await secure.report();
    assert.equal(afterRefusal.envelopes, before.envelopes, 'no envelope was begun');
    assert.equal(afterRefusal.mails.length, before.mails.length);
    const refused = afterRefusal.logins.slice(before.logins.length);
    assert.ok(refused.length >= 1 && refused.every((l) => !l.accepted && l.secure && l.user === user));
    assert.equal((await wrong.worker.runOnce()).claimed, 0, 'a parked row is not picked up again');

    assert.equal(await outbox.requeue(id), true);
    const right = testWorker(bed, { email: sender(secure), sms });
    await runUntil(right.worker, async () => (await outbox.get(id))?.status === 'sent');
    const report = await secure.report();
    const mails = report.mails.slice(before.mails.length);
    assert.equal(mails.length, 1, 'delivered exactly once');
    const mail = await simpleParser(rawMail(mails[0]!));
    assert.equal(mail.messageId, (await outbox.get(id))?.messageId);
    assert.match(mail.text ?? '', new RegExp(`PIN: ${placed.pin}`));
  });

  test('with requireTls a server that offers no STARTTLS gets nothing: the row is retried with the reason and parked after the last attempt; the same row goes out over STARTTLS', async () => {
    const placed = await placePackage(bed);
    const id = placed.outboxIds[0]!;
    // No login either: the point is that nothing, not even the envelope, goes out in the clear.
    const { worker } = testWorker(bed, {
      email: sender(plain, { user: undefined, password: undefined }),
      sms,
    });
    const first = await worker.runOnce();
    assert.equal(first.retried, 1);
    const waiting = await outbox.get(id);
    assert.equal(waiting?.status, 'pending');
    assert.match(
      waiting?.lastError ?? '',
      /^STARTTLS refused by 127\.0\.0\.1:\d+ \(.+\); PARCELROOM_SMTP_REQUIRE_TLS is set, so nothing was sent in the clear$/,
    );

    await runUntil(worker, async () => (await outbox.get(id))?.status === 'parked');
    const parked = await outbox.get(id);
    assert.equal(parked?.attempts, 5);
    assert.match(parked?.lastError ?? '', /^failed 5 times, last: STARTTLS refused/);
    const report = await plain.report();
    assert.equal(report.envelopes, 0, 'no MAIL FROM was ever sent');
    assert.equal(report.dataAttempts, 0);
    assert.equal(report.mails.length, 0);
    assert.ok(report.connections >= 5, 'each attempt really connected');

    const before = await secure.report();
    assert.equal(await outbox.requeue(id), true);
    const tls = testWorker(bed, { email: sender(secure), sms });
    await runUntil(tls.worker, async () => (await outbox.get(id))?.status === 'sent');
    const mails = (await secure.report()).mails.slice(before.mails.length);
    assert.equal(mails.length, 1);
    assert.equal(mails[0]!.secure, true);
  });

  test('a server whose certificate the configured CA did not sign gets no password and no mail, and the reason names the certificate', async () => {
    const before = await secure.report();
    const placed = await placePackage(bed);
    const id = placed.outboxIds[0]!;
    const { worker } = testWorker(bed, { email: sender(secure, { ca: otherCa.caPem }), sms });
    assert.equal((await worker.runOnce()).retried, 1);
    const row = await outbox.get(id);
    assert.equal(row?.status, 'pending');
    assert.match(
      row?.lastError ?? '',
      /^TLS: the certificate of 127\.0\.0\.1:\d+ is not trusted \(.+\); it is not signed by the CA in PARCELROOM_SMTP_CA_FILE/,
    );
    const report = await secure.report();
    assert.equal(report.logins.length, before.logins.length, 'the password never reached it');
    assert.equal(report.envelopes, before.envelopes);
    assert.equal(report.mails.length, before.mails.length);
  });

  test('without a CA file the system roots do not vouch for a private CA: nothing is sent and the reason says to set PARCELROOM_SMTP_CA_FILE', async () => {
    const before = await secure.report();
    const placed = await placePackage(bed);
    const { worker } = testWorker(bed, { email: sender(secure, { ca: undefined }), sms });
    assert.equal((await worker.runOnce()).retried, 1);
    const row = await outbox.get(placed.outboxIds[0]!);
    assert.match(
      row?.lastError ?? '',
      /is not trusted .*set PARCELROOM_SMTP_CA_FILE to the CA that signed it/,
    );
    assert.equal((await secure.report()).mails.length, before.mails.length);
  });

  const smtpEnv = (caFile: string) => ({
    PARCELROOM_SMTP_HOST: '127.0.0.1',
    PARCELROOM_SMTP_PORT: String(secure.port),
    PARCELROOM_SMTP_REQUIRE_TLS: 'true',
    PARCELROOM_SMTP_USER: user,
    PARCELROOM_SMTP_PASSWORD: password,
    PARCELROOM_SMTP_CA_FILE: caFile,
    PARCELROOM_MAIL_FROM: fromAddress,
    PARCELROOM_LINK_SECRET: linkSecret,
    PARCELROOM_NOTIFY_POLL_MS: '50',
  });

  test('the notification service configured by PARCELROOM_SMTP_* with PARCELROOM_SMTP_CA_FILE delivers over STARTTLS with its login', async () => {
    const config = loadConfig({ env: smtpEnv(certificates.caFile) });
    assert.equal(config.notifications.smtp.caFile, certificates.caFile);
    const service = createNotificationService({
      db: bed.db,
      settings: config.notifications,
      logger: silentLogger,
    });
    assert.equal(service.describeDelivery().email, `smtp 127.0.0.1:${secure.port}`);
    const before = await secure.report();
    service.start();
    try {
      const placed = await placePackage(bed);
      service.worker.wake();
      const report = await secure.waitFor('the placed mail', (r) => r.mails.length > before.mails.length);
      const mail = report.mails[before.mails.length]!;
      assert.equal(mail.secure, true);
      assert.equal(mail.user, user);
      const parsed = await simpleParser(rawMail(mail));
      assert.match(parsed.text ?? '', new RegExp(`PIN: ${placed.pin}`));
      const deadline = Date.now() + 20_000;
      while ((await outbox.get(placed.outboxIds[0]!))?.status !== 'sent') {
        assert.ok(Date.now() < deadline, 'the row is recorded as sent');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    } finally {
      await service.stop();
    }
  });

  test('a CA file that cannot be read or holds no certificate stops the start with the variable and the file', () => {
    const start = (caFile: string) => () =>
      createNotificationService({
        db: bed.db,
        settings: loadConfig({ env: smtpEnv(caFile) }).notifications,
        logger: silentLogger,
      });
    const missing = `${folder.path}/no-such-ca.pem`;
    assert.throws(
      start(missing),
      (error: Error) =>
        error instanceof ConfigError &&
        error.message ===
          `PARCELROOM_SMTP_CA_FILE (notifications.smtp.caFile) ${missing}: cannot be read (ENOENT)`,
    );
    assert.throws(
      start(certificates.keyFile),
      (error: Error) =>
        error instanceof ConfigError &&
        /PARCELROOM_SMTP_CA_FILE .*: holds no "-----BEGIN CERTIFICATE-----" block; it must be a PEM file$/.test(
          error.message,
        ),
    );
  });
});
