import { randomBytes } from 'node:crypto';
import { type AddressInfo, createServer } from 'node:net';
import sharp from 'sharp';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';
import { loadLayoutFile } from '../../../calibration/index.ts';
import { roomRecordFromLayout } from '../../../services/app/index.ts';
import { createLogger } from '../../../services/logging/index.ts';
import {
  createMessageComposer,
  createNotificationMetrics,
  createNotificationWorker,
  createOutboxRepository,
  createPhotoLinks,
  createSmtpSender,
  type EmailSender,
  enqueueResidentNotifications,
  loadMessageTemplates,
  type MessageComposer,
  type NotificationWorker,
  type SmsSender,
  type SmtpSettings,
  type WorkerOptions,
} from '../../../services/notifications/index.ts';
import {
  createStore,
  type Database,
  migrateToLatest,
  openDatabase,
  type Store,
} from '../../../services/store/index.ts';
import { createScratchDatabase, type ScratchDatabase } from '../../support/databases.ts';
import {
  type SmtpChildOptions,
  type SmtpServerProcess,
  type SmtpServerReport,
  startSmtpServerProcess,
} from '../../support/smtp-server-process.ts';
import type { TestCertificates } from '../../support/test-certificates.ts';

export const silentLogger = createLogger({ level: 'silent' });
export const linkSecret = 'test-link-secret-0123456789abcdef';
export const fromAddress = 'Parcelroom <parcelroom@room.example>';

export interface NotificationBed {
  db: Database;
  store: Store;
  scratch: ScratchDatabase;
  close(): Promise<void>;
}

/** A migrated scratch database on the real server with the demo room synced in. */
export async function openNotificationBed(): Promise<NotificationBed> {
  const scratch = await createScratchDatabase();
  const db = await openDatabase({ url: scratch.url, dataDir: 'unused', poolSize: 6 });
  await migrateToLatest(db);
  const store = createStore(db);
  const layout = await loadLayoutFile('calibration/rooms/demo-room.yaml');
  await store.rooms.sync(roomRecordFromLayout(layout));
  return {
    db,
    store,
    scratch,
    async close() {
      await db.close();
      await scratch.drop();
    },
  };
}

/** A small JPEG that stands for the placement snapshot. */
export async function packagePhoto(seed = 1): Promise<Buffer> {
  return sharp({
    create: { width: 96, height: 72, channels: 3, background: { r: 150 + seed, g: 110, b: 70 } },
  })
    .jpeg({ quality: 85 })
    .toBuffer();
}

export interface PlacedPackage {
  packageId: string;
  residentId: string;
  eventId: number;
  photo: Buffer;
  pin: string;
  token: string;
  outboxIds: number[];
}

/**
 * A resident, their package registered and placed in `slotId` with a photo, and the
 * placement's notifications enqueued in the placement's transaction, as the ledger does.
 */
export async function placePackage(
  bed: NotificationBed,
  options: { slotId?: string; email?: string | null; phone?: string | null; placedAt?: Date } = {},
): Promise<PlacedPackage> {
  const resident = await bed.store.people.addResident({
    apartment: '305',
    firstName: 'Maya',
    lastName: 'Brown',
    email:
      options.email === undefined
        ? `maya.${randomBytes(3).toString('hex')}@residents.example`
        : options.email,
    phone: options.phone === undefined ? null : options.phone,
  });
  const pkg = await bed.store.packages.register({
    roomId: 'demo',
    residentId: resident.id,
    carrier: 'UPS',
    trackingNumber: '1Z999AA10123456784',
  });
  const slotId = options.slotId ?? 'B3-2';
  await bed.store.packages.recordPlacement({
    packageId: pkg.id,
    slotId,
    observedAt: options.placedAt ?? new Date(),
  });
  const photo = await packagePhoto();
  const pin = String(100000 + Math.floor(Math.random() * 899999));
  const token = `pk_${randomBytes(12).toString('base64url')}`;
  const { eventId, outboxIds } = await bed.db.transaction(async (tx) => {
    const { rows } = await tx.query<{ id: string }>(
      `INSERT INTO images (content_type, width_px, height_px, bytes) VALUES ('image/jpeg', 96, 72, $1) RETURNING id`,
      [photo],
    );
    await tx.query('UPDATE packages SET photo_image_id = $2 WHERE id = $1', [pkg.id, rows[0]!.id]);
    const { rows: events } = await tx.query<{ id: number }>(
      `SELECT id FROM events WHERE package_id = $1 AND type = 'package.placed' ORDER BY id DESC LIMIT 1`,
      [pkg.id],
    );
    const eventId = events[0]!.id;
    const outboxIds = await enqueueResidentNotifications(tx, {
      eventId,
      template: 'package_placed',
      residentId: resident.id,
      payload: { packageId: pkg.id, slotId, pickupPin: pin, pickupToken: token },
    });
    return { eventId, outboxIds };
  });
  return { packageId: pkg.id, residentId: resident.id, eventId, photo, pin, token, outboxIds };
}

export interface WorkerFixture {
  worker: NotificationWorker;
  metrics: ReturnType<typeof createNotificationMetrics>;
  compose: MessageComposer;
}

/** A worker over the bed with quick retries, for tests that run in seconds. */
export function testWorker(
  bed: NotificationBed,
  senders: { email: EmailSender; sms: SmsSender },
  overrides: Partial<WorkerOptions> = {},
): WorkerFixture {
  const outbox = createOutboxRepository(bed.db);
  const metrics = createNotificationMetrics(undefined, () => outbox.countByStatus());
  const compose = createMessageComposer({
    db: bed.db,
    templates: loadMessageTemplates(),
    fromAddress,
    publicBaseUrl: 'http://127.0.0.1:8080',
    photoLinks: createPhotoLinks(linkSecret),
    photoLinkTtlMs: 7 * 86_400_000,
    timeZone: 'America/Los_Angeles',
  });
  const worker = createNotificationWorker({
    outbox,
    compose,
    logger: silentLogger,
    metrics,
    retry: { maxAttempts: 5, baseDelayMs: 20, maxDelayMs: 80 },
    pollIntervalMs: 25,
    leaseMs: 5000,
    ...senders,
    ...overrides,
  });
  return { worker, metrics, compose };
}

export interface CapturedMail {
  from: string | undefined;
  to: string[];
  raw: Buffer;
}

export interface TestSmtpServer {
  port: number;
  mails: CapturedMail[];
  /** DATA commands seen, accepted or refused. */
  attempts: number;
  /** An SMTP sender to this server, closed with it. */
  sender(): EmailSender;
  close(): Promise<void>;
}

/**
 * A real SMTP server on a loopback port in this process, without TLS or login: for tests of
 * message content and the bench. Delivery tests use `startMailServer`. `refuse(attempt)` returns an SMTP code to refuse
 * that DATA with (e.g. 451), or undefined to accept the mail.
 */
export async function startSmtpServer(
  refuse: (attempt: number) => number | undefined = () => undefined,
): Promise<TestSmtpServer> {
  const senders: EmailSender[] = [];
  const state: TestSmtpServer = {
    port: 0,
    mails: [],
    attempts: 0,
    sender() {
      const sender = createSmtpSender({
        host: '127.0.0.1',
        port: state.port,
        secure: false,
        requireTls: false,
        timeoutMs: 5000,
      });
      senders.push(sender);
      return sender;
    },
    close: async () => {},
  };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    // A reverse DNS lookup of 127.0.0.1 costs ~100 ms a connection on a machine without a resolver for it.
    disableReverseLookup: true,
    logger: false,
    onData(stream, session: SMTPServerSession, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        state.attempts++;
        const code = refuse(state.attempts);
        if (code !== undefined) {
          const error = Object.assign(new Error(`test server refuses attempt ${state.attempts}`), {
            responseCode: code,
          });
          callback(error);
          return;
        }
        state.mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : undefined,
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  state.port = (server.server.address() as AddressInfo).port;
  state.close = async () => {
    for (const sender of senders) await sender.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return state;
}

export const mailUser = 'parcelroom';
export const mailPassword = 'correct horse battery staple';

export interface MailServer {
  process: SmtpServerProcess;
  port: number;
  report(): Promise<SmtpServerReport>;
  /**
   * A sender configured as production would be for this server: STARTTLS required, the test CA
   * trusted, the right login; closed with the server.
   */
  sender(overrides?: Partial<SmtpSettings>): EmailSender;
  close(): Promise<void>;
}

/**
 * An SMTP server in its own process (tests/support/smtp-server-child.ts) with STARTTLS under
 * the test CA's certificate and AUTH required: where delivery tests send their mail.
 */
export async function startMailServer(
  certificates: TestCertificates,
  options: Pick<SmtpChildOptions, 'dataReplies' | 'otherwise' | 'port'> = {},
): Promise<MailServer> {
  const server = await startSmtpServerProcess({
    ...options,
    tls: { keyFile: certificates.keyFile, certFile: certificates.certFile },
    users: { [mailUser]: mailPassword },
  });
  const senders: EmailSender[] = [];
  return {
    process: server,
    port: server.port,
    report: () => server.report(),
    sender(overrides = {}) {
      const sender = createSmtpSender({
        host: '127.0.0.1',
        port: server.port,
        secure: false,
        requireTls: true,
        user: mailUser,
        password: mailPassword,
        ca: certificates.caPem,
        timeoutMs: 10_000,
        ...overrides,
      });
      senders.push(sender);
      return sender;
    },
    async close() {
      for (const sender of senders) await sender.close();
      await server.stop();
    },
  };
}

/** A loopback port nothing listens on. */
export async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', () => resolve()));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/** Runs the worker's batches until `done` holds or `maxRounds` pass, pausing between rounds. */
export async function runUntil(
  worker: NotificationWorker,
  done: () => Promise<boolean>,
  maxRounds = 200,
): Promise<void> {
  for (let round = 0; round < maxRounds; round++) {
    await worker.runOnce();
    if (await done()) return;
    await new Promise((resolve) => setTimeout(resolve, 15));
  }
  throw new Error(`condition not reached after ${maxRounds} worker rounds`);
}
