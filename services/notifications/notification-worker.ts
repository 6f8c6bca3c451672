import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { backoffMs } from '../backoff/index.ts';
import type { Logger } from '../logging/index.ts';
import type { ClaimedRow, OutboxRepository } from '../store/index.ts';
import type { MessageComposer } from './message-composer.ts';
import { UnsendableMessageError } from './message-composer.ts';
import type { NotificationMetrics } from './notification-metrics.ts';
import { InvalidPayloadError, isNotificationTemplate } from './notification-payloads.ts';
import { DeliveryError, type EmailSender, type SmsSender } from './outgoing-message.ts';

export interface RetryPolicy {
  /** Attempts in all, the first included; the row is parked after the last one fails. */
  maxAttempts: number;
  /** Wait after the first failure; it doubles with every further one, up to `maxDelayMs`. */
  baseDelayMs: number;
  maxDelayMs: number;
}

/**
 * The wait before the next attempt: exponential, capped, with "equal jitter" (half fixed, half
 * random) so that rows failing together during an outage do not all come back at one instant.
 */
export function retryDelayMs(
  policy: RetryPolicy,
  attempts: number,
  random: () => number = Math.random,
): number {
  return backoffMs(
    { firstMs: policy.baseDelayMs, maxMs: policy.maxDelayMs, jitter: { kind: 'equal' } },
    attempts - 1,
    random,
  );
}

export interface WorkerOptions {
  outbox: OutboxRepository;
  compose: MessageComposer;
  email: EmailSender;
  sms: SmsSender;
  logger: Logger;
  metrics: NotificationMetrics;
  retry: RetryPolicy;
  pollIntervalMs: number;
  /** How long a claim holds before another worker may take the row back. */
  leaseMs: number;
  batchSize?: number;
  workerId?: string;
  random?: () => number;
}

export interface BatchOutcome {
  claimed: number;
  sent: number;
  retried: number;
  parked: number;
  cancelled: number;
}

export interface NotificationWorker {
  readonly workerId: string;
  /** Polls until stopped. */
  start(): void;
  /** Lets the message in hand finish, then stops polling. Idempotent. */
  stop(): Promise<void>;
  /** Looks at the outbox now instead of at the next poll (e.g. right after an enqueue). */
  wake(): void;
  /** Claims and handles one batch; what the poll loop does each round. */
  runOnce(): Promise<BatchOutcome>;
}

export function createNotificationWorker(options: WorkerOptions): NotificationWorker {
  const { outbox, compose, logger, metrics, retry } = options;
  const workerId = options.workerId ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const batchSize = options.batchSize ?? 10;
  const log = logger.child({ stage: 'notifications', workerId });
  let running = false;
  let loop: Promise<void> | undefined;
  let wakeUp: (() => void) | undefined;

  const handle = async (row: ClaimedRow, outcome: BatchOutcome): Promise<void> => {
    const started = process.hrtime.bigint();
    const elapsed = () => Number(process.hrtime.bigint() - started) / 1e9;
    const rowLog = log.child({
      outboxId: row.id,
      channel: row.channel,
      template: row.template,
      attempt: row.attempts,
    });
    const park = async (reason: string, label: string) => {
      if (await outbox.markParked(row, reason)) {
        outcome.parked++;
        metrics.parked.inc({ channel: row.channel, reason: label });
        rowLog.error({ reason }, 'notification parked');
      }
    };

    if (row.attempts > retry.maxAttempts) {
      // Only a row whose lease ran out gets here: the worker holding it stopped mid-send.
      await park(
        `gave up after ${retry.maxAttempts} attempts; the last one ended without an outcome`,
        'lease',
      );
      return;
    }
    if (!isNotificationTemplate(row.template)) {
      await park(`unknown template "${row.template}"`, 'invalid');
      return;
    }
    try {
      const message = await compose({ ...row, template: row.template });
      if (message.kind === 'cancel') {
        if (await outbox.markCancelled(row, message.reason)) {
          outcome.cancelled++;
          metrics.cancelled.inc({ channel: row.channel });
          rowLog.info({ reason: message.reason }, 'notification cancelled');
        }
        return;
      }
      let messageId: string | null;
      if (message.kind === 'email') {
        messageId = (await options.email.send(message.email)).messageId;
      } else {
        messageId = (await options.sms.send(message.sms)).providerId;
      }
      // The window between the server's yes and this update is the one place a crash can
      // cause a second send (see docs/notifications.md); it is one short UPDATE.
      metrics.sendDuration.observe({ channel: row.channel, outcome: 'sent' }, elapsed());
      const marked = await recordSent(row, messageId, rowLog);
      if (marked === undefined) return;
      if (marked) {
        outcome.sent++;
        metrics.sent.inc({ channel: row.channel, template: row.template });
        rowLog.info(
          { messageId, sender: message.kind === 'email' ? options.email.kind : options.sms.kind },
          'notification sent',
        );
      } else {
        rowLog.warn('notification sent, but the claim had expired and another worker holds the row');
      }
    } catch (error) {
      metrics.sendDuration.observe({ channel: row.channel, outcome: 'failed' }, elapsed());
      const reason = (error as Error).message ?? String(error);
      if (error instanceof InvalidPayloadError || error instanceof UnsendableMessageError) {
        await park(reason, 'invalid');
        return;
      }
      if (error instanceof DeliveryError && error.permanent) {
        await park(`refused: ${reason}`, 'refused');
        return;
      }
      if (row.attempts >= retry.maxAttempts) {
        await park(`failed ${row.attempts} times, last: ${reason}`, 'attempts');
        return;
      }
      const delayMs = retryDelayMs(retry, row.attempts, options.random);
      if (await outbox.markRetry(row, reason, delayMs)) {
        outcome.retried++;
        metrics.failed.inc({ channel: row.channel });
        rowLog.warn({ reason, retryInMs: Math.round(delayMs) }, 'notification failed; will retry');
      }
    }
  };

  /**
   * Once the message is out, a failure to record it must not count as a failed send (that
   * would schedule a retry of a delivered message), so the update is tried a few times; if the
   * database stays away the row keeps its claim and comes back only when the lease runs out.
   * Undefined when it could not be recorded.
   */
  const recordSent = async (
    row: ClaimedRow,
    messageId: string | null,
    rowLog: Logger,
  ): Promise<boolean | undefined> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await outbox.markSent(row, messageId);
      } catch (error) {
        if (attempt >= 3) {
          rowLog.error(
            { err: error, messageId },
            'notification sent but not recorded; it will go out again when its lease runs out',
          );
          return undefined;
        }
        await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
      }
    }
  };

  const runOnce = async (): Promise<BatchOutcome> => {
    const outcome: BatchOutcome = { claimed: 0, sent: 0, retried: 0, parked: 0, cancelled: 0 };
    const rows = await outbox.claimDue({ workerId, limit: batchSize, leaseMs: options.leaseMs });
    outcome.claimed = rows.length;
    for (const row of rows) await handle(row, outcome);
    return outcome;
  };

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wakeUp = undefined;
        resolve();
      }
      wakeUp = done;
    });

  return {
    workerId,
    runOnce,
    start() {
      if (running) return;
      running = true;
      log.info(
        { pollIntervalMs: options.pollIntervalMs, email: options.email.kind, sms: options.sms.kind },
        'notification worker started',
      );
      loop = (async () => {
        while (running) {
          let full = false;
          try {
            full = (await runOnce()).claimed === batchSize;
          } catch (error) {
            log.error({ err: error }, 'notification worker could not read the outbox; will try again');
          }
          // A full batch means more is waiting: go on at once.
          if (running && !full) await sleep(options.pollIntervalMs);
        }
      })();
    },
    wake() {
      wakeUp?.();
    },
    async stop() {
      running = false;
      wakeUp?.();
      await loop;
      loop = undefined;
    },
  };
}
