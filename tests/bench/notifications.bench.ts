/**
 * Notifications: how long composing one placed email takes (database reads, the shelf map, the
 * QR code), and how many placed emails one and two workers hand to a loopback SMTP server per
 * second. Real PostgreSQL (scratch database), real smtp-server.
 */
import { createOutboxRepository, createSmsDropSender } from '../../services/notifications/index.ts';
import {
  openNotificationBed,
  placePackage,
  runUntil,
  startSmtpServer,
  testWorker,
} from '../services/notifications/notification-fixtures.ts';
import { createScratchFolder } from '../support/databases.ts';
import { type BenchRow, median, percentile, report } from './bench-report.ts';

const bed = await openNotificationBed();
const smtp = await startSmtpServer();
const folder = createScratchFolder('parcelroom-bench-sms-');
const rows: BenchRow[] = [];
try {
  const email = () => smtp.sender();
  const sms = createSmsDropSender(folder.path);
  const outbox = createOutboxRepository(bed.db);
  const slots = ['A1-1', 'B3-2', 'C5-4', 'A2-3', 'B4-1'];

  // Compose alone.
  const { compose } = testWorker(bed, { email: email(), sms });
  const composeMs: number[] = [];
  const samples = [];
  for (let i = 0; i < 40; i++) samples.push(await placePackage(bed, { slotId: slots[i % slots.length]! }));
  const claimed = await outbox.claimDue({ workerId: 'bench', limit: 100, leaseMs: 600_000 });
  for (const row of claimed) {
    const start = process.hrtime.bigint();
    await compose({ ...row, template: 'package_placed' });
    composeMs.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  await bed.db.query(
    `UPDATE notification_outbox SET status = 'cancelled' WHERE status IN ('pending', 'sending')`,
  );
  const warm = composeMs.slice(5);
  rows.push(
    { name: 'compose placed email, median', value: median(warm), unit: 'ms', note: 'map + QR + 3 queries' },
    { name: 'compose placed email, p95', value: percentile(warm, 95), unit: 'ms' },
  );

  // Throughput with one and with two workers.
  for (const workers of [1, 2]) {
    const count = 100;
    const ids: number[] = [];
    for (let i = 0; i < count; i++)
      ids.push(...(await placePackage(bed, { slotId: slots[i % slots.length]! })).outboxIds);
    const before = smtp.mails.length;
    const fleet = Array.from({ length: workers }, (_, w) =>
      testWorker(bed, { email: email(), sms }, { workerId: `bench-${w}`, batchSize: 10 }),
    );
    const allSent = async () => {
      const { rows: r } = await bed.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM notification_outbox WHERE id = ANY($1) AND status = 'sent'`,
        [ids],
      );
      return r[0]!.n === ids.length;
    };
    const start = process.hrtime.bigint();
    await Promise.all(fleet.map((f) => runUntil(f.worker, allSent, 10_000)));
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    if (smtp.mails.length - before !== ids.length) throw new Error('a mail was lost or doubled');
    rows.push({
      name: `placed emails sent, ${workers} worker${workers > 1 ? 's' : ''}`,
      value: ids.length / seconds,
      unit: 'mail/s',
      note: `${ids.length} mails, a kept SMTP connection per worker`,
    });
  }
  report({ benchmark: 'notifications', rows });
} finally {
  await smtp.close();
  await bed.close();
  folder.remove();
}
