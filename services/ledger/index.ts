export { type LedgerCommand, ledgerCommandSchema, parseLedgerCommand } from './ledger-command-schema.ts';
export { durableView, freeSlots, openFlags, placedPackagesOf, slotOfPackage } from './ledger-queries.ts';
export {
  LedgerInputError,
  type LedgerInputErrorCode,
  type LedgerStep,
  reconcile,
  step,
} from './ledger-rules.ts';
export { emptyLedgerState, evolve, sortAwaiting, sortOccupants } from './ledger-state.ts';
export * from './ledger-types.ts';
export { ledgerOptions, RoomLedger, replay } from './room-ledger.ts';
