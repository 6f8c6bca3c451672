export {
  type FlagAction,
  FlagActionError,
  type FlagActionErrorCode,
  type FlagActionName,
  flagActionNames,
  flagActionSchema,
  planFlagAction,
} from './flag-actions.ts';
export { FlagFeed, type FlagFeedOptions } from './flag-feed.ts';
export { defaultLoginLimits, type LoginGate, LoginLimiter, type LoginLimits } from './login-limiter.ts';
export type {
  AccountListAnswer,
  CourierListAnswer,
  CourierPinAnswer,
  FlagActionAnswer,
  FlagDetailAnswer,
  FlagListAnswer,
  FlagView,
  JsonOf,
  ObservationView,
  PackageSearchAnswer,
  PackageView,
  ResidentListAnswer,
  RoomAnswer,
  SessionAnswer,
} from './staff-answers.ts';
export {
  createStaffAuth,
  csrfHeaderName,
  defaultStaffAuthOptions,
  hashSecret,
  type StaffAuth,
  type StaffAuthOptions,
  type StaffPrincipal,
  sessionCookieName,
} from './staff-auth.ts';
export { createStaffMetrics, type StaffMetrics } from './staff-metrics.ts';
export { type StaffPage, staffPageRoutes } from './staff-page-routes.ts';
export {
  createStaffReview,
  guardedApiRoutes,
  type StaffLedger,
  type StaffReview,
  type StaffReviewDependencies,
  type StaffRoute,
  staffRouteTable,
} from './staff-routes.ts';
