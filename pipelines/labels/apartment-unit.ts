/**
 * Apartment units as labels print them: "APT 4B", "Unit 12", "#305", "STE 2", "Apartment 305",
 * "No. 7". The words and marks around the unit carry no meaning for matching, so they go.
 */
const designators = /^(?:APARTMENT|APT|UNIT|SUITE|STE|ROOM|RM|NO|NUMBER|FLAT|#)\.?\s*#?\s*/;

/**
 * The canonical form of a printed unit: upper case, no designator, no spaces or dashes, and no
 * leading zeros on a numeric unit ("APT 0305" and "#305" are both "305"). Null when nothing
 * unit-like is left.
 */
export function normalizeUnit(printed: string | null | undefined): string | null {
  if (!printed) return null;
  let unit = printed.toUpperCase().trim();
  // Designators may be stacked ("APT #305", "UNIT NO. 7").
  for (let previous = ''; previous !== unit; ) {
    previous = unit;
    unit = unit.replace(designators, '');
  }
  unit = unit.replace(/[\s.\-_/]/g, '');
  if (!/^[A-Z0-9]{1,8}$/.test(unit)) return null;
  if (/^\d+$/.test(unit)) unit = unit.replace(/^0+(?=\d)/, '');
  return unit;
}

/** Characters OCR confuses in units; a unit read with one of these swapped is probably the same. */
const confusable: Readonly<Record<string, string>> = {
  O: '0',
  D: '0',
  Q: '0',
  I: '1',
  L: '1',
  Z: '2',
  S: '5',
  B: '8',
  G: '6',
  T: '7',
};

const folded = (unit: string) => [...unit].map((c) => confusable[c] ?? c).join('');

/**
 * How alike a printed unit is to an apartment (both normalised): 1 the same, 0.85 the same up
 * to OCR confusions ("3O5" for 305), 0 otherwise. An off-by-one-digit unit scores 0 on purpose:
 * 305 and 306 are neighbours, not the same door.
 */
export function unitSimilarity(printed: string, apartment: string): number {
  if (printed === apartment) return 1;
  if (printed.length === apartment.length && folded(printed) === folded(apartment)) return 0.85;
  return 0;
}
