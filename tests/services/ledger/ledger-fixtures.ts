import type { LedgerInput, LedgerObservation, LedgerOptions } from '../../../services/ledger/index.ts';

/** Ids that are valid UUIDs and count up, so runs are repeatable and fit uuid columns. */
export function countingIds(prefix = 0): () => string {
  let n = 0;
  return () => {
    n++;
    return `00000000-0000-4000-8${prefix.toString(16).padStart(3, '0')}-${n.toString(16).padStart(12, '0')}`;
  };
}

export const testSlots = ['A1-1', 'A1-2', 'A1-3', 'A2-1', 'A2-2', 'B1-1'];

export function testOptions(overrides: Partial<LedgerOptions> = {}): Partial<LedgerOptions> {
  return { newId: countingIds(), ...overrides };
}

export const box = { x: 100, y: 100, width: 80, height: 60 };

export function appeared(
  atMs: number,
  slotId: string,
  extra: Partial<Extract<LedgerObservation, { slotId: string }>> = {},
): LedgerInput {
  return {
    type: 'observed',
    atMs,
    observation: {
      kind: 'appeared',
      slotId,
      slots: [slotId],
      cameraId: 'cam-1',
      box,
      confidence: 0.9,
      ...extra,
    },
  };
}

export function vanished(atMs: number, slotId: string): LedgerInput {
  return {
    type: 'observed',
    atMs,
    observation: { kind: 'vanished', slotId, slots: [slotId], cameraId: 'cam-1', box, confidence: 0.9 },
  };
}

export const uuid = (n: number): string => `10000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
