export type { Database, DatabaseKind, Queryable, SqlParam } from './database.ts';
export {
  type AuditEntry,
  createEventLog,
  type EventLog,
  type NewRoomEvent,
  type RoomEvent,
} from './event-log.ts';
export {
  type AppliedBatch,
  createLedgerRepository,
  type LedgerBatch,
  LedgerConflictError,
  type LedgerRepository,
} from './ledger-repository.ts';
export { type MigrationResult, migrateToLatest, migrationsDir } from './migrate.ts';
export { type DatabaseHooks, type DatabaseSettings, openDatabase } from './open-database.ts';
export {
  eventOccasion,
  type NotificationChannel,
  type NotificationTemplate,
  notificationChannels,
  notificationTemplates,
  type OutboxMessage,
  outboxDedupeKey,
  secretPayloadKeys,
} from './outbox-message.ts';
export {
  type ClaimedRow,
  type ClaimOptions,
  createOutboxRepository,
  type OutboxRepository,
  type OutboxRow,
  type OutboxStatus,
} from './outbox-repository.ts';
export {
  enqueueNotification,
  enqueueResidentNotifications,
  type ResidentNotification,
  skippedNotificationEvent,
} from './outbox-writer.ts';
export {
  createPackageRepository,
  type NewPackage,
  type NewPlacement,
  type Package,
  type PackageQuery,
  type PackageRepository,
  type PackageState,
  packageStates,
} from './package-repository.ts';
export {
  type Courier,
  createPeopleRepository,
  type NewCourier,
  type NewResident,
  type NewStaffUser,
  type PeopleRepository,
  type Resident,
  type StaffRole,
  type StaffUser,
} from './people-repository.ts';
export {
  candidatePackageIds,
  createReviewRepository,
  type FlagEvidence,
  type FlagStatus,
  type FlagsVersion,
  flagStatuses,
  type PackageChange,
  type PackageSearch,
  type ResolutionContext,
  type ResolutionPlan,
  type ResolvedFlag,
  type ReviewFlag,
  type ReviewPackage,
  type ReviewRepository,
  type RoomOverview,
  type TimelineEvent,
} from './review-repository.ts';
export {
  createRoomRepository,
  type RoomDetail,
  type RoomRecord,
  type RoomRepository,
  type RoomSummary,
  type SlotState,
  type SyncOutcome,
} from './room-repository.ts';
export { describeUrl } from './server-database.ts';
export {
  type CourierChanges,
  createStaffRepository,
  type ResidentChanges,
  type StaffRepository,
  type StaffSession,
  type StaffUserChanges,
  uniqueViolation,
} from './staff-repository.ts';
export { createStore, type Store } from './store.ts';
export {
  StoreAvailability,
  type StoreAvailabilityState,
  StoreUnavailableError,
  unavailabilityReason,
} from './store-availability.ts';
export { NotFoundError, StoreError } from './store-error.ts';
