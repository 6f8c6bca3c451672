export type { LedgerCommand } from '../ledger/index.ts';
export { createLedgerMetrics, type LedgerMetrics } from './ledger-metrics.ts';
export {
  type Clock,
  type CommittedStep,
  type LocatorCommand,
  ObservationDroppedError,
  RoomLedgerService,
  type RoomLedgerServiceOptions,
  toLedgerObservation,
} from './room-ledger-service.ts';
