import type { LedgerPackage, LedgerState, OpenFlag } from './ledger-types.ts';

/** A resident's packages on the shelves, oldest placement first: what a pickup session is for. */
export function placedPackagesOf(state: LedgerState, residentId: string): LedgerPackage[] {
  return Object.values(state.packages)
    .filter((p) => p.state === 'placed' && p.residentId === residentId)
    .sort((a, b) => sinceOf(state, a) - sinceOf(state, b) || a.id.localeCompare(b.id));
}

function sinceOf(state: LedgerState, pkg: LedgerPackage): number {
  const occupant = state.slots[pkg.slotId!]?.find((o) => o.kind === 'package' && o.packageId === pkg.id);
  return occupant?.sinceMs ?? 0;
}

/** Where a package is, if the ledger believes it is on a shelf. */
export function slotOfPackage(state: LedgerState, packageId: string): string | null {
  return state.packages[packageId]?.slotId ?? null;
}

/** Slots with nothing in them, in slot order. */
export function freeSlots(state: LedgerState): string[] {
  return Object.keys(state.slots)
    .filter((id) => state.slots[id]!.length === 0)
    .sort();
}

export function openFlags(state: LedgerState): OpenFlag[] {
  return Object.values(state.flags).sort((a, b) => a.raisedAtMs - b.raisedAtMs || a.id.localeCompare(b.id));
}

/** What a state says without its transient memory (recent changes), for comparing states. */
export function durableView(
  state: LedgerState,
): Omit<LedgerState, 'recentChanges' | 'burstFlagId' | 'nowMs'> {
  const { recentChanges: _r, burstFlagId: _b, nowMs: _n, ...rest } = state;
  return rest;
}
