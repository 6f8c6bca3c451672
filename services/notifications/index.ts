// The outbox is the store's table (services/store writes it in the transactions of the events
// it announces); the worker here drains it. Re-exported so callers find it with the rest.
export {
  type ClaimedRow,
  createOutboxRepository,
  enqueueNotification,
  enqueueResidentNotifications,
  type OutboxMessage,
  type OutboxRepository,
  type OutboxRow,
  type OutboxStatus,
  type ResidentNotification,
} from '../store/index.ts';
export { createMailDropSender, createSmtpSender, type SmtpSettings } from './email-senders.ts';
export {
  type ComposedMessage,
  createMessageComposer,
  type MessageComposer,
  UnsendableMessageError,
} from './message-composer.ts';
export { messageIdForKey } from './message-ids.ts';
export {
  defaultTemplatesDir,
  type EmailContent,
  loadMessageTemplates,
  type MessageTemplates,
} from './message-templates.ts';
export { createNotificationMetrics, type NotificationMetrics } from './notification-metrics.ts';
export {
  InvalidPayloadError,
  type NotificationChannel,
  type NotificationPayload,
  type NotificationTemplate,
  notificationChannels,
  notificationTemplates,
  parsePayload,
  payloadSchemas,
} from './notification-payloads.ts';
export {
  createNotificationService,
  type NotificationService,
  type NotificationServiceOptions,
  type NotificationSettings,
} from './notification-service.ts';
export {
  type BatchOutcome,
  createNotificationWorker,
  type NotificationWorker,
  type RetryPolicy,
  retryDelayMs,
  type WorkerOptions,
} from './notification-worker.ts';
export {
  DeliveryError,
  type EmailSender,
  type OutgoingEmail,
  type OutgoingSms,
  type SmsSender,
} from './outgoing-message.ts';
export {
  loadPackageContext,
  loadPackagePhoto,
  type PackageContext,
  type PackagePhoto,
} from './package-context.ts';
export {
  createPhotoLinks,
  type PhotoLinkCheck,
  type PhotoLinkFailure,
  type PhotoLinks,
} from './photo-links.ts';
export { enqueueDueReminders, type ReminderRound, type ReminderSettings } from './reminder-scheduler.ts';
export { describeShelfLocation, type ShelfLocation, UnknownSlotError } from './shelf-location.ts';
export { renderShelfMap, shelfMapSvg } from './shelf-map.ts';
export { createHttpSmsSender, createSmsDropSender, type HttpSmsSettings } from './sms-senders.ts';
export { loadSmtpCaFile } from './smtp-ca-file.ts';
export { type SmtpErrorContext, smtpDeliveryError } from './smtp-delivery-errors.ts';
export { compileTemplate, TemplateError } from './text-template.ts';
