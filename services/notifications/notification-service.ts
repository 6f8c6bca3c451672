import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Registry } from 'prom-client';
import type { ServiceConfig } from '../config/index.ts';
import type { Logger } from '../logging/index.ts';
import type { Database } from '../store/index.ts';
import { createOutboxRepository, type OutboxRepository } from '../store/index.ts';
import { createMailDropSender, createSmtpSender } from './email-senders.ts';
import { createMessageComposer } from './message-composer.ts';
import { loadMessageTemplates } from './message-templates.ts';
import { createNotificationMetrics, type NotificationMetrics } from './notification-metrics.ts';
import { createNotificationWorker, type NotificationWorker } from './notification-worker.ts';
import type { EmailSender, SmsSender } from './outgoing-message.ts';
import { createPhotoLinks, type PhotoLinks } from './photo-links.ts';
import { enqueueDueReminders } from './reminder-scheduler.ts';
import { createHttpSmsSender, createSmsDropSender } from './sms-senders.ts';
import { loadSmtpCaFile } from './smtp-ca-file.ts';

export type NotificationSettings = ServiceConfig['notifications'];

export interface NotificationService {
  outbox: OutboxRepository;
  worker: NotificationWorker;
  photoLinks: PhotoLinks;
  metrics: NotificationMetrics;
  /** Where mail goes: `smtp host:port` or `mail drop <dir>`. */
  describeDelivery(): { email: string; sms: string };
  start(): void;
  stop(): Promise<void>;
}

export interface NotificationServiceOptions {
  db: Database;
  settings: NotificationSettings;
  logger: Logger;
  registry?: Registry;
  /** How often the reminder scheduler looks for packages waiting too long. */
  reminderCheckIntervalMs?: number;
  templatesDir?: string;
  /** Senders to use instead of the ones the settings name (tests, tools). */
  email?: EmailSender;
  sms?: SmsSender;
}

/**
 * Everything that sends messages, built from the settings: SMTP when a host is set, else a
 * mail drop folder; an HTTP SMS provider when a URL is set, else the same folder. Without any
 * of it configured the worker still runs and the demo's messages can be read as files.
 */
export function createNotificationService(options: NotificationServiceOptions): NotificationService {
  const { db, settings, logger } = options;
  const log = logger.child({ stage: 'notifications' });
  const outbox = createOutboxRepository(db);
  const metrics = createNotificationMetrics(options.registry, () => outbox.countByStatus());
  const templates = loadMessageTemplates(options.templatesDir ?? settings.templatesDir);
  if (!settings.linkSecret) {
    log.warn(
      'PARCELROOM_LINK_SECRET is unset: photo links in messages stop working when the service restarts',
    );
  }
  const photoLinks = createPhotoLinks(settings.linkSecret ?? randomBytes(32));
  // A send that outlives its lease can be taken over and sent a second time by another worker.
  const longestSendMs = Math.max(3 * settings.smtp.timeoutMs, settings.sms.timeoutMs);
  if (settings.leaseMs <= longestSendMs) {
    log.warn(
      { leaseMs: settings.leaseMs, longestSendMs },
      'the outbox lease is not longer than a send may take; a slow server could get a message twice',
    );
  }
  const email =
    options.email ??
    (settings.smtp.host
      ? createSmtpSender({
          ...settings.smtp,
          host: settings.smtp.host,
          ca: settings.smtp.caFile ? loadSmtpCaFile(settings.smtp.caFile) : undefined,
        })
      : createMailDropSender(settings.dropDir));
  const sms =
    options.sms ??
    (settings.sms.url
      ? createHttpSmsSender({
          url: settings.sms.url,
          from: settings.sms.from ?? '',
          username: settings.sms.user,
          password: settings.sms.password,
          timeoutMs: settings.sms.timeoutMs,
        })
      : createSmsDropSender(join(settings.dropDir, 'sms')));
  const compose = createMessageComposer({
    db,
    templates,
    fromAddress: settings.fromAddress,
    publicBaseUrl: settings.publicBaseUrl,
    photoLinks,
    photoLinkTtlMs: settings.photoLinkDays * 86_400_000,
    timeZone: settings.timeZone,
  });
  const worker = createNotificationWorker({
    outbox,
    compose,
    email,
    sms,
    logger,
    metrics,
    retry: {
      maxAttempts: settings.maxAttempts,
      baseDelayMs: settings.retryBaseMs,
      maxDelayMs: settings.retryMaxMs,
    },
    pollIntervalMs: settings.pollIntervalMs,
    leaseMs: settings.leaseMs,
  });

  let reminderTimer: NodeJS.Timeout | undefined;
  let reminderRun: Promise<void> | undefined;
  const checkReminders = () => {
    reminderRun ??= enqueueDueReminders(db, settings)
      .then((round) => {
        if (round.messages > 0) {
          log.info(round, 'reminders queued');
          worker.wake();
        }
      })
      .catch((error) => log.error({ err: error }, 'reminder check failed; will try again'))
      .finally(() => {
        reminderRun = undefined;
      });
  };

  return {
    outbox,
    worker,
    photoLinks,
    metrics,
    describeDelivery: () => ({
      email: settings.smtp.host
        ? `smtp ${settings.smtp.host}:${settings.smtp.port}`
        : `mail drop ${settings.dropDir}`,
      sms: settings.sms.url
        ? `http ${new URL(settings.sms.url).host}`
        : `drop ${join(settings.dropDir, 'sms')}`,
    }),
    start() {
      worker.start();
      checkReminders();
      reminderTimer = setInterval(checkReminders, options.reminderCheckIntervalMs ?? 15 * 60_000);
      reminderTimer.unref();
    },
    async stop() {
      clearInterval(reminderTimer);
      await worker.stop();
      await reminderRun;
      await email.close();
      await sms.close();
    },
  };
}
