import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { type ParsedMail, simpleParser } from 'mailparser';
import sharp from 'sharp';
import { readLabelBarcodes } from '../../../pipelines/labels/barcode-reader.ts';
import {
  createOutboxRepository,
  createSmsDropSender,
  createSmtpSender,
  type OutboxRepository,
} from '../../../services/notifications/index.ts';
import { createScratchFolder } from '../../support/databases.ts';
import { rawMail } from '../../support/smtp-server-process.ts';
import { makeTestCertificates, type TestCertificates } from '../../support/test-certificates.ts';
import {
  closedPort,
  type MailServer,
  type NotificationBed,
  openNotificationBed,
  placePackage,
  runUntil,
  startMailServer,
  testWorker,
} from './notification-fixtures.ts';

const smtpTo = (server: MailServer) => server.sender();

async function decodeQr(png: Buffer): Promise<string[]> {
  const { data, info } = await sharp(png).greyscale().raw().toBuffer({ resolveWithObject: true });
  const readings = await readLabelBarcodes({ data, width: info.width, height: info.height, channels: 1 });
  return readings.filter((r) => r.format === 'QRCode').map((r) => r.text);
}

function inline(mail: ParsedMail, cid: string) {
  return mail.attachments.find((a) => a.cid === cid);
}

describe('email delivery through an SMTP server in its own process (STARTTLS, login)', () => {
  let bed: NotificationBed;
  let outbox: OutboxRepository;
  let certificates: TestCertificates;
  const smsFolder = createScratchFolder('parcelroom-sms-');
  const servers: MailServer[] = [];
  const sms = createSmsDropSender(smsFolder.path);

  before(async () => {
    certificates = makeTestCertificates(smsFolder.path);
    bed = await openNotificationBed();
    outbox = createOutboxRepository(bed.db);
  });
  after(async () => {
    for (const server of servers) await server.close();
    await bed?.close();
    smsFolder.remove();
  });
  beforeEach(async () => {
    // Each test looks only at its own rows.
    await bed.db.query(
      `UPDATE notification_outbox SET status = 'cancelled' WHERE status IN ('pending', 'sending')`,
    );
  });

  /** `dataReplies`: codes to refuse the first DATA commands with; `otherwise`: the reply to later ones. */
  const serve = async (
    replies: { dataReplies?: number[]; otherwise?: number | null; port?: number } = {},
  ) => {
    const server = await startMailServer(certificates, replies);
    servers.push(server);
    return server;
  };

  test('the placed email carries the photo, the map, a QR code that decodes to the pickup token, the PIN and the shelf in words', async () => {
    const server = await serve();
    const placed = await placePackage(bed, { slotId: 'B3-2' });
    const { worker } = testWorker(bed, { email: smtpTo(server), sms });
    const outcome = await worker.runOnce();
    assert.equal(outcome.sent, 1);
    const { mails } = await server.report();
    assert.equal(mails.length, 1);

    const mail = await simpleParser(rawMail(mails[0]!), { keepCidLinks: true });
    assert.match(mail.subject ?? '', /Shelf B, level 3 \(from the floor\), second from the left/);
    assert.equal(mail.messageId?.replace(/[<>]/g, '').endsWith('@room.example'), true);
    assert.deepEqual(mails[0]!.to, [
      (await bed.store.people.listResidents()).find((r) => r.id === placed.residentId)!.email,
    ]);

    const text = mail.text ?? '';
    assert.match(text, new RegExp(`PIN: ${placed.pin}`));
    assert.match(text, /Shelf B, level 3 \(from the floor\), second from the left \(slot B3-2\)/);
    assert.match(text, /Hello Maya/);
    assert.match(text, /1Z999AA10123456784 \(UPS\)/);
    const html = typeof mail.html === 'string' ? mail.html : '';
    assert.match(html, new RegExp(`>${placed.pin}</strong>`));
    for (const cid of ['cid:package-photo', 'cid:shelf-map', 'cid:pickup-qr'])
      assert.ok(html.includes(cid), cid);

    const photo = inline(mail, 'package-photo');
    assert.ok(photo, 'the photo is attached inline');
    assert.equal(photo.contentType, 'image/jpeg');
    assert.deepEqual(Buffer.from(photo.content), placed.photo);

    const map = inline(mail, 'shelf-map');
    assert.ok(map, 'the map is attached inline');
    const mapInfo = await sharp(map.content).metadata();
    assert.equal(mapInfo.format, 'png');
    assert.equal(mapInfo.width, 480);

    const qr = inline(mail, 'pickup-qr');
    assert.ok(qr, 'the QR code is attached inline');
    assert.deepEqual(await decodeQr(qr.content), [placed.token]);

    // A signed photo link for this package, to the configured public URL.
    const link = /http:\/\/127\.0\.0\.1:8080\/p\/([^/\s]+)\/photo/.exec(text);
    assert.ok(link, 'the text links to the photo');

    const row = await outbox.get(placed.outboxIds[0]!);
    assert.equal(row?.status, 'sent');
    assert.equal(row?.attempts, 1);
    assert.equal(row?.messageId, mail.messageId);
    assert.equal('pickupPin' in row!.payload, false, 'the PIN is scrubbed from the row once sent');
    assert.equal('pickupToken' in row!.payload, false, 'the token is scrubbed from the row once sent');
  });

  test('a server that refuses three times with 451 and then accepts gets exactly one mail, and the row is sent after 4 attempts', async () => {
    const server = await serve({ dataReplies: [451, 451, 451] });
    const placed = await placePackage(bed);
    const { worker, metrics } = testWorker(bed, { email: smtpTo(server), sms });
    const id = placed.outboxIds[0]!;
    await runUntil(worker, async () => (await outbox.get(id))?.status === 'sent');
    // More rounds change nothing: a sent row is never sent again.
    for (let i = 0; i < 5; i++) await worker.runOnce();

    const report = await server.report();
    assert.equal(report.dataAttempts, 4);
    assert.equal(report.mails.length, 1);
    const row = await outbox.get(id);
    assert.equal(row?.status, 'sent');
    assert.equal(row?.attempts, 4);
    assert.equal(row?.lastError, null);
    const failed = await metrics.registry.getSingleMetricAsString(
      'parcelroom_notifications_failed_attempts_total',
    );
    assert.match(failed, /channel="email"} 3/);
  });

  test('a server that keeps refusing with 451 parks the row after the last attempt, with the reply as the reason', async () => {
    const server = await serve({ otherwise: 451 });
    const placed = await placePackage(bed);
    const { worker } = testWorker(bed, { email: smtpTo(server), sms });
    const id = placed.outboxIds[0]!;
    await runUntil(worker, async () => (await outbox.get(id))?.status === 'parked');
    const row = await outbox.get(id);
    assert.equal(row?.attempts, 5);
    const report = await server.report();
    assert.equal(report.dataAttempts, 5);
    assert.equal(report.mails.length, 0);
    assert.match(row?.lastError ?? '', /failed 5 times, last: SMTP 451/);
    assert.ok(row?.payload.pickupPin, 'a parked row keeps what a retry by staff needs');
  });

  test('a 550 refusal parks the row at once: retrying cannot help', async () => {
    const server = await serve({ otherwise: 550 });
    const placed = await placePackage(bed);
    const { worker } = testWorker(bed, { email: smtpTo(server), sms });
    await worker.runOnce();
    const row = await outbox.get(placed.outboxIds[0]!);
    assert.equal(row?.status, 'parked');
    assert.equal(row?.attempts, 1);
    assert.match(row?.lastError ?? '', /^refused: SMTP 550/);
  });

  test('two workers racing over the same rows send each mail once', async () => {
    const server = await serve();
    const placed = [];
    for (let i = 0; i < 12; i++)
      placed.push(await placePackage(bed, { slotId: `A${(i % 5) + 1}-${(i % 4) + 1}` }));
    const ids = placed.flatMap((p) => p.outboxIds);
    const a = testWorker(bed, { email: smtpTo(server), sms }, { batchSize: 3, workerId: 'worker-a' });
    const b = testWorker(bed, { email: smtpTo(server), sms }, { batchSize: 3, workerId: 'worker-b' });
    const allSent = async () => {
      const { rows } = await bed.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM notification_outbox WHERE id = ANY($1) AND status = 'sent'`,
        [ids],
      );
      return rows[0]!.n === ids.length;
    };
    await Promise.all([runUntil(a.worker, allSent), runUntil(b.worker, allSent)]);

    const { mails } = await server.report();
    assert.equal(mails.length, ids.length);
    const messageIds = await Promise.all(mails.map(async (m) => (await simpleParser(rawMail(m))).messageId));
    assert.equal(new Set(messageIds).size, ids.length, 'no message twice');
    const { rows } = await bed.db.query<{ claimed_by: string; attempts: number }>(
      'SELECT claimed_by, attempts FROM notification_outbox WHERE id = ANY($1)',
      [ids],
    );
    assert.ok(rows.every((r) => r.attempts === 1));
    assert.deepEqual(new Set(rows.map((r) => r.claimed_by)), new Set(['worker-a', 'worker-b']));
  });

  test('a worker that dies after the server took the mail leaves a row that comes back after its lease and goes out again with the same Message-ID', async () => {
    const server = await serve();
    const placed = await placePackage(bed);
    const id = placed.outboxIds[0]!;
    const email = smtpTo(server);
    // The "crashed" worker claims with a short lease and hands the mail over, but never records it.
    const { compose } = testWorker(bed, { email, sms });
    const [claimed] = await outbox.claimDue({ workerId: 'crashed', limit: 1, leaseMs: 1000 });
    assert.equal(claimed?.id, id);
    const message = await compose({ ...claimed!, template: 'package_placed' });
    assert.equal(message.kind, 'email');
    if (message.kind === 'email') await email.send(message.email);
    const { worker } = testWorker(bed, { email, sms }, { workerId: 'survivor' });
    assert.equal((await worker.runOnce()).claimed, 0, 'the lease holds while it runs');
    await runUntil(worker, async () => (await outbox.get(id))?.status === 'sent');
    const row = await outbox.get(id);
    assert.equal(row?.attempts, 2);
    assert.equal(row?.claimedBy, 'survivor');
    // The stale claim can no longer change the row.
    assert.equal(await outbox.markSent(claimed!, 'stale'), false);
    assert.equal(await outbox.markParked(claimed!, 'stale'), false);
    assert.equal((await outbox.get(id))?.status, 'sent');
    // The one documented double: both copies carry the same Message-ID, so it is recognisable.
    const { mails } = await server.report();
    assert.equal(mails.length, 2);
    const [first, second] = await Promise.all(mails.map((m) => simpleParser(rawMail(m))));
    assert.equal(first!.messageId, second!.messageId);
    assert.equal(row?.messageId, first!.messageId);
  });

  test('a row whose payload lacks the PIN is parked with an error naming the field, and nothing is sent', async () => {
    const server = await serve();
    const placed = await placePackage(bed, { email: null });
    const { rows } = await bed.db.query<{ id: number }>(
      `INSERT INTO notification_outbox (event_id, channel, recipient, template, payload, dedupe_key)
       VALUES ($1, 'email', 'maya@residents.example', 'package_placed', $2, $3) RETURNING id`,
      [
        placed.eventId,
        JSON.stringify({ packageId: placed.packageId, slotId: 'B3-2', residentId: placed.residentId }),
        `bad-${placed.packageId}`,
      ],
    );
    const unknown = await bed.db.query<{ id: number }>(
      `INSERT INTO notification_outbox (event_id, channel, recipient, template, payload, dedupe_key)
       VALUES ($1, 'email', 'maya@residents.example', 'package_teleported', '{}', $2) RETURNING id`,
      [placed.eventId, `unknown-${placed.packageId}`],
    );
    const { worker } = testWorker(bed, { email: smtpTo(server), sms });
    await worker.runOnce();
    const row = await outbox.get(rows[0]!.id);
    assert.equal(row?.status, 'parked');
    assert.equal(
      row?.lastError,
      'package_placed: payload.pickupPin is required: the kiosk puts the pickup PIN into the outbox payload',
    );
    const other = await outbox.get(unknown.rows[0]!.id);
    assert.equal(other?.status, 'parked');
    assert.equal(other?.lastError, 'unknown template "package_teleported"');
    assert.equal((await server.report()).envelopes, 0, 'nothing reached the server');
  });

  test('a message naming another resident than the package is addressed to is parked, never sent', async () => {
    const server = await serve();
    const mine = await placePackage(bed, { email: null });
    const theirs = await placePackage(bed, { email: null });
    const { rows } = await bed.db.query<{ id: number }>(
      `INSERT INTO notification_outbox (event_id, channel, recipient, template, payload, dedupe_key)
       VALUES ($1, 'email', 'someone@else.example', 'package_placed', $2, $3) RETURNING id`,
      [
        mine.eventId,
        JSON.stringify({
          packageId: mine.packageId,
          slotId: 'B3-2',
          residentId: theirs.residentId,
          pickupPin: '1234',
          pickupToken: 'pk_abcdefgh',
        }),
        `mismatch-${mine.packageId}`,
      ],
    );
    const { worker } = testWorker(bed, { email: smtpTo(server), sms });
    await worker.runOnce();
    const row = await outbox.get(rows[0]!.id);
    assert.equal(row?.status, 'parked');
    assert.match(row?.lastError ?? '', /is addressed to resident .*, not to resident/);
    assert.equal((await server.report()).envelopes, 0, 'nothing reached the server');
  });

  test('a placed email for a package already picked up is cancelled, not sent', async () => {
    const server = await serve();
    const placed = await placePackage(bed);
    await bed.db.query(
      `UPDATE packages SET state = 'picked_up', slot_id = NULL, picked_up_at = now() WHERE id = $1`,
      [placed.packageId],
    );
    const { worker } = testWorker(bed, { email: smtpTo(server), sms });
    const outcome = await worker.runOnce();
    assert.equal(outcome.cancelled, 1);
    const row = await outbox.get(placed.outboxIds[0]!);
    assert.equal(row?.status, 'cancelled');
    assert.match(row?.lastError ?? '', /is picked_up/);
    assert.equal((await server.report()).envelopes, 0, 'nothing reached the server');
  });

  test('an unreachable SMTP server counts as a failed attempt and the row waits for the next', async () => {
    const port = await closedPort();
    const placed = await placePackage(bed);
    const email = createSmtpSender({
      host: '127.0.0.1',
      port,
      secure: false,
      requireTls: false,
      timeoutMs: 2000,
    });
    const { worker } = testWorker(bed, { email, sms });
    const outcome = await worker.runOnce();
    await email.close();
    assert.equal(outcome.retried, 1);
    const row = await outbox.get(placed.outboxIds[0]!);
    assert.equal(row?.status, 'pending');
    assert.match(row?.lastError ?? '', /ECONNECTION|ECONNREFUSED/);
  });

  test('a mail server killed with the connection open costs the next message one retry; once it is back on its port that message arrives once', async () => {
    const first = await serve();
    const email = smtpTo(first);
    const { worker } = testWorker(bed, { email, sms });
    const before = await placePackage(bed);
    assert.equal((await worker.runOnce()).sent, 1, 'the pooled connection is open now');
    assert.equal((await first.report()).mails.length, 1);
    await first.process.stop('SIGKILL');

    const during = await placePackage(bed);
    const id = during.outboxIds[0]!;
    assert.equal((await worker.runOnce()).retried, 1);
    const waiting = await outbox.get(id);
    assert.equal(waiting?.status, 'pending');
    assert.match(waiting?.lastError ?? '', /ECONNECTION|ECONNREFUSED|ECONNRESET|closed/i);

    const second = await serve({ port: first.port });
    await runUntil(worker, async () => (await outbox.get(id))?.status === 'sent');
    const { mails } = await second.report();
    assert.equal(mails.length, 1, 'the message that failed arrives once, the earlier one not again');
    const mail = await simpleParser(rawMail(mails[0]!));
    assert.equal(mail.messageId, (await outbox.get(id))?.messageId);
    assert.equal((await outbox.get(before.outboxIds[0]!))?.status, 'sent');
  });

  test('a started worker sends what is enqueued without being asked, and after stop claims nothing more', async () => {
    const server = await serve();
    const statusOf = async (id: number) => (await outbox.get(id))?.status;
    const waitForSent = async (id: number) => {
      const deadline = Date.now() + 20_000;
      while ((await statusOf(id)) !== 'sent') {
        if (Date.now() > deadline) throw new Error(`row ${id} not sent within 20 s`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    };
    const { worker } = testWorker(bed, { email: smtpTo(server), sms }, { workerId: 'stopped' });
    worker.start();
    try {
      const first = await placePackage(bed);
      worker.wake();
      await waitForSent(first.outboxIds[0]!);
    } finally {
      await worker.stop();
    }
    // A witness polling as often as the stopped worker did: had the stopped one kept polling, it
    // would have raced the witness for the row; the row goes to the witness, and only once.
    const second = await placePackage(bed);
    const witness = testWorker(bed, { email: smtpTo(server), sms }, { workerId: 'witness' });
    witness.worker.start();
    try {
      await waitForSent(second.outboxIds[0]!);
    } finally {
      await witness.worker.stop();
    }
    assert.equal((await outbox.get(second.outboxIds[0]!))?.claimedBy, 'witness');
    assert.equal((await server.report()).mails.length, 2);
  });

  test('a mail the server took but the database would not record is not retried as a failure; it waits for its lease', async () => {
    const server = await serve();
    const placed = await placePackage(bed);
    const id = placed.outboxIds[0]!;
    await bed.db.query(`CREATE FUNCTION refuse_sent() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'the database is away'; END; $$`);
    await bed.db.query(`CREATE TRIGGER refuse_sent BEFORE UPDATE ON notification_outbox
      FOR EACH ROW WHEN (NEW.status = 'sent') EXECUTE FUNCTION refuse_sent()`);
    try {
      const { worker } = testWorker(bed, { email: smtpTo(server), sms });
      const outcome = await worker.runOnce();
      assert.deepEqual(outcome, { claimed: 1, sent: 0, retried: 0, parked: 0, cancelled: 0 });
      const row = await outbox.get(id);
      assert.equal(row?.status, 'sending', 'the claim is kept, not turned into a retry');
      assert.equal(row?.lastError, null);
      assert.equal((await server.report()).mails.length, 1);
    } finally {
      await bed.db.query('DROP TRIGGER refuse_sent ON notification_outbox');
      await bed.db.query('DROP FUNCTION refuse_sent()');
    }
  });
});
