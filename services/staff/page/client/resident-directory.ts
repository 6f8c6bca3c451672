import type { Resident } from '../../../store/index.ts';

let active: Resident[] = [];

/** The residents still living here, offered when a flag's package is given to someone. */
export const activeResidents = (): readonly Resident[] => active;

export function rememberResidents(residents: readonly Resident[]): void {
  active = residents.filter((r) => r.active);
}
