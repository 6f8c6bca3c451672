import type { BuildingAddress } from '../../pipelines/labels/label-parser.ts';
import { demoResidents } from '../../services/seed/demo-people.ts';
import type { SeededRandom } from '../seeded-random.ts';
import type { NameVariant, UnitPlacement } from './label-truth.ts';
import { pickWeighted } from './weighted-choice.ts';

/** Someone a label may be addressed to; `demoResidents()` is a roster of these. */
export interface RosterResident {
  firstName: string;
  lastName: string;
  apartment: string;
}

/** Must stay equal to the `labels` defaults in services/config/config-schema.ts. */
export const defaultBuilding: Readonly<BuildingAddress> = {
  street: '1200 Harbor View Rd',
  city: 'Oakland',
  state: 'CA',
  zip: '94607',
};

export function defaultRoster(): RosterResident[] {
  return demoResidents().map(({ firstName, lastName, apartment }) => ({ firstName, lastName, apartment }));
}

/**
 * Formal first names and the short forms senders type instead. Checkout forms get whichever the
 * customer typed, so a roster's "Ben" arrives as "BENJAMIN" and its "Gustavo" as "GUS".
 */
export const nicknames: Readonly<Record<string, readonly string[]>> = {
  Benjamin: ['Ben', 'Benji'],
  Gustavo: ['Gus'],
  Beatriz: ['Bea'],
  Valentina: ['Val'],
  Nikolai: ['Nick', 'Niko'],
  Dolores: ['Lola'],
  Rosa: ['Rosie'],
  Jasmine: ['Jas'],
  Alexander: ['Alex'],
  Andrew: ['Andy', 'Drew'],
  Christopher: ['Chris'],
  Daniel: ['Dan', 'Danny'],
  Elizabeth: ['Liz', 'Beth'],
  James: ['Jim', 'Jamie'],
  Jennifer: ['Jen'],
  Jonathan: ['Jon'],
  Joseph: ['Joe'],
  Katherine: ['Kate', 'Katie'],
  Margaret: ['Maggie', 'Peggy'],
  Matthew: ['Matt'],
  Michael: ['Mike'],
  Nicholas: ['Nick'],
  Robert: ['Rob', 'Bob'],
  Samuel: ['Sam'],
  Thomas: ['Tom'],
  William: ['Will', 'Bill'],
};

const fold = (name: string) => name.trim().toLowerCase();

/** The other forms of a first name: nicknames of a formal name, formal names of a nickname. */
export function otherForms(firstName: string): string[] {
  const key = fold(firstName);
  const forms: string[] = [];
  for (const [formal, shorts] of Object.entries(nicknames)) {
    if (fold(formal) === key) forms.push(...shorts);
    else if (shorts.some((s) => fold(s) === key)) forms.push(formal);
  }
  return forms;
}

/** Whether a person could read `printedFirst` as `rosterFirst` (the same name, or another form of it). */
function firstNamesAgree(printedFirst: string, rosterFirst: string, initialOnly: boolean): boolean {
  const printed = fold(printedFirst);
  if (initialOnly) return printed[0] === fold(rosterFirst)[0];
  return printed === fold(rosterFirst) || otherForms(rosterFirst).some((f) => fold(f) === printed);
}

/** Residents a reader could take the printed name (and unit, when printed) to mean. */
export function residentsFitting(
  roster: readonly RosterResident[],
  printed: { first: string; last: string; initialOnly: boolean; apartment: string | null },
): number[] {
  const fitting: number[] = [];
  roster.forEach((resident, index) => {
    if (fold(resident.lastName) !== fold(printed.last)) return;
    if (!firstNamesAgree(printed.first, resident.firstName, printed.initialOnly)) return;
    if (printed.apartment !== null && fold(resident.apartment) !== fold(printed.apartment)) return;
    fitting.push(index);
  });
  return fitting;
}

/** First and last names no demo resident has, for outsiders, guests and senders. */
export const outsiderFirstNames = [
  'Harold',
  'Denise',
  'Trevor',
  'Monique',
  'Gerald',
  'Brianna',
  'Marcus',
  'Colleen',
  'Desmond',
  'Yvonne',
  'Raymond',
  'Lorraine',
  'Tobias',
  'Francesca',
  'Darnell',
  'Sylvia',
  'Reginald',
  'Imogen',
  'Cedric',
  'Paloma',
] as const;

export const outsiderLastNames = [
  'Whitfield',
  'Abernathy',
  'Kozlov',
  'Delacroix',
  'Nakamura',
  'Osei',
  'Brennan',
  'Lindgren',
  'Marchetti',
  'Oyelaran',
  'Fairbanks',
  'Quispe',
  'Halvorsen',
  'Tremblay',
  'Vasquez',
  'Holloway',
  'Ekwueme',
  'Strand',
  'Bautista',
  'Kaplan',
] as const;

const companies = [
  'Orbital Design LLC',
  'Bayline Legal Group',
  'Fernhill Analytics',
  'Marigold Studio',
  'Tidewater Consulting',
  'Northpoint Labs Inc',
];

export type LetterCase = 'upper' | 'mixed';

/** The recipient as the sender typed it: everything but where the layout puts each line. */
export interface AddressedRecipient {
  residentIndex: number | null;
  firstName: string;
  lastName: string;
  printedName: string;
  nameVariant: NameVariant;
  extraLine: { kind: 'care-of' | 'attention'; text: string } | null;
  /** The name line as printed: "C/O AMARA OKAFOR", "ATTN: Amara Okafor" or just the name. */
  nameLine: string;
  printedUnit: string | null;
  unitPlacement: UnitPlacement;
  apartment: string | null;
  street: string;
  /** The street line with the unit when it shares the line. */
  streetLine: string;
  city: string;
  state: string;
  zip: string;
  cityLine: string;
  phone: string | null;
  identifiable: boolean;
}

export interface RecipientOptions {
  roster: readonly RosterResident[];
  building: Readonly<BuildingAddress>;
  letterCase: LetterCase;
  /** Chance the label is for someone who does not live here. */
  outsiderRate?: number;
}

const caseOf = (text: string, letterCase: LetterCase) => (letterCase === 'upper' ? text.toUpperCase() : text);

const titleCase = (text: string) => text.replace(/\p{L}[\p{L}']*/gu, (w) => w[0]!.toUpperCase() + w.slice(1));

function formatName(
  first: string,
  last: string,
  variant: NameVariant,
  middle: string,
  letterCase: LetterCase,
): string {
  const up = letterCase === 'upper';
  const name = (() => {
    switch (variant) {
      case 'last-first':
        return `${last}, ${first}`;
      case 'initial':
        return `${first[0]}. ${last}`;
      case 'middle-initial':
        return up ? `${first} ${middle} ${last}` : `${first} ${middle}. ${last}`;
      default:
        return `${first} ${last}`;
    }
  })();
  return up ? name.toUpperCase() : titleCase(name);
}

/** Street suffixes senders abbreviate or spell out. */
const suffixForms: Array<[string, string]> = [
  ['Rd', 'Road'],
  ['St', 'Street'],
  ['Ave', 'Avenue'],
  ['Blvd', 'Boulevard'],
  ['Dr', 'Drive'],
  ['Ln', 'Lane'],
  ['Ct', 'Court'],
  ['Pl', 'Place'],
];

function streetVariant(street: string, random: SeededRandom): string {
  const roll = random.float();
  if (roll < 0.65) return street;
  for (const [short, long] of suffixForms) {
    const shortAtEnd = new RegExp(`\\b${short}\\.?$`, 'i');
    const longAtEnd = new RegExp(`\\b${long}$`, 'i');
    if (shortAtEnd.test(street)) return street.replace(shortAtEnd, roll < 0.9 ? long : `${short}.`);
    if (longAtEnd.test(street)) return street.replace(longAtEnd, short);
  }
  return street;
}

const unitDesignators: Array<[string, number]> = [
  ['APT', 0.44],
  ['#', 0.17],
  ['UNIT', 0.14],
  ['APARTMENT', 0.08],
  ['STE', 0.05],
  ['APT #', 0.04],
  ['NO.', 0.03],
  // A bare number after the street: people read it as the unit; a parser has to guess.
  ['', 0.05],
];

function formatUnit(designator: string, apartment: string, letterCase: LetterCase): string {
  if (designator === '') return apartment;
  const word = letterCase === 'upper' ? designator : titleCase(designator.toLowerCase());
  return designator.endsWith('#') ? `${word}${apartment}` : `${word} ${apartment}`;
}

function cityLineOf(
  building: Readonly<BuildingAddress>,
  random: SeededRandom,
  letterCase: LetterCase,
): {
  line: string;
  zip: string;
} {
  const zip = random.chance(0.3)
    ? `${building.zip}-${String(random.int(1, 9999)).padStart(4, '0')}`
    : building.zip;
  const city = caseOf(building.city, letterCase);
  const state = building.state.toUpperCase();
  const comma = letterCase === 'mixed' || random.chance(0.4);
  return { line: comma ? `${city}, ${state} ${zip}` : `${city} ${state} ${zip}`, zip };
}

export function phoneNumber(random: SeededRandom, areaCodes: readonly string[]): string {
  const area = random.pick(areaCodes);
  // 555-01xx numbers are reserved for fiction and never reach anyone.
  const line = `01${String(random.int(0, 99)).padStart(2, '0')}`;
  return random.pick([
    `(${area}) 555-${line}`,
    `${area}-555-${line}`,
    `${area}555${line}`,
    `+1 ${area} 555 ${line}`,
  ]);
}

function nonexistentApartment(roster: readonly RosterResident[], random: SeededRandom): string {
  const taken = new Set(roster.map((r) => fold(r.apartment)));
  for (let attempt = 0; attempt < 50; attempt++) {
    const candidate = `${random.int(1, 9)}${String(random.int(1, 24)).padStart(2, '0')}`;
    if (!taken.has(candidate)) return candidate;
  }
  return `${random.int(10, 99)}Z`;
}

interface ChosenName {
  residentIndex: number | null;
  first: string;
  last: string;
  apartment: string;
}

function chooseOutsider(roster: readonly RosterResident[], random: SeededRandom): ChosenName {
  const apartment = random.chance(0.5) ? random.pick(roster).apartment : nonexistentApartment(roster, random);
  for (let attempt = 0; attempt < 100; attempt++) {
    const first = random.pick(outsiderFirstNames);
    // Sometimes a family name that does live here: a former tenant, a relative.
    const last = random.chance(0.3) ? random.pick(roster).lastName : random.pick(outsiderLastNames);
    if (residentsFitting(roster, { first, last, initialOnly: false, apartment: null }).length === 0) {
      return { residentIndex: null, first, last, apartment };
    }
  }
  throw new RangeError('the roster leaves no name free for an outsider');
}

/**
 * Picks who a label is for and writes the name, unit and address the way real senders do. A
 * resident's label is always one a person could match to them: a short form of the name is only
 * used when no other resident would fit it.
 */
export function addressRecipient(random: SeededRandom, options: RecipientOptions): AddressedRecipient {
  const { roster, building, letterCase, outsiderRate = 0.05 } = options;
  if (roster.length === 0) throw new RangeError('the roster is empty: a label needs someone to address');
  const outsider = random.chance(outsiderRate);
  const chosen: ChosenName = outsider
    ? chooseOutsider(roster, random)
    : (() => {
        const residentIndex = random.int(0, roster.length - 1);
        const r = roster[residentIndex]!;
        return { residentIndex, first: r.firstName, last: r.lastName, apartment: r.apartment };
      })();

  const unitPrinted = !random.chance(0.03);
  const designator = pickWeighted(random, unitDesignators);
  const unitPlacement: UnitPlacement = !unitPrinted
    ? 'missing'
    : designator === '' || random.chance(0.6)
      ? 'street-line'
      : 'own-line';
  const printedUnit = unitPrinted ? formatUnit(designator, chosen.apartment, letterCase) : null;
  const apartment = unitPrinted ? chosen.apartment : null;

  const alternatives = otherForms(chosen.first);
  const wanted: NameVariant = outsider
    ? pickWeighted(random, [
        ['full', 0.9],
        ['last-first', 0.1],
      ] as const)
    : pickWeighted(random, [
        ['full', 0.72],
        ['last-first', 0.06],
        ['initial', 0.06],
        [nicknames[chosen.first] ? 'nickname' : 'formal', alternatives.length > 0 ? 0.08 : 0],
        ['middle-initial', 0.08],
      ] as const);
  const printedFirst =
    wanted === 'nickname' || wanted === 'formal' ? random.pick(alternatives) : chosen.first;
  const fits = (variant: NameVariant, first: string) =>
    residentsFitting(roster, { first, last: chosen.last, initialOnly: variant === 'initial', apartment });
  let variant = wanted;
  let first = printedFirst;
  if (!outsider && fits(variant, first).length !== 1) {
    variant = 'full';
    first = chosen.first;
  }
  const identifiable = outsider ? false : fits(variant, first).length === 1;
  const middle = String.fromCharCode(65 + random.int(0, 25));
  const printedName = formatName(first, chosen.last, variant, middle, letterCase);

  const extraRoll = random.float();
  const extraLine: AddressedRecipient['extraLine'] =
    extraRoll < 0.02
      ? {
          kind: 'care-of',
          text: caseOf(`${random.pick(outsiderFirstNames)} ${random.pick(outsiderLastNames)}`, letterCase),
        }
      : extraRoll < 0.04
        ? { kind: 'attention', text: caseOf(random.pick(companies), letterCase) }
        : null;
  const nameLine =
    extraLine?.kind === 'care-of'
      ? `${letterCase === 'upper' ? 'C/O' : 'c/o'} ${printedName}`
      : extraLine?.kind === 'attention'
        ? `${letterCase === 'upper' ? 'ATTN:' : 'Attn:'} ${printedName}`
        : printedName;

  const street = caseOf(streetVariant(building.street, random), letterCase);
  const separator = designator !== '' && random.chance(0.2) ? ', ' : ' ';
  const streetLine = unitPlacement === 'street-line' ? `${street}${separator}${printedUnit}` : street;
  const { line: cityLine, zip } = cityLineOf(building, random, letterCase);
  const phone = random.chance(0.4) ? phoneNumber(random, ['510', '415', '341', '628']) : null;

  return {
    residentIndex: chosen.residentIndex,
    firstName: chosen.first,
    lastName: chosen.last,
    printedName,
    nameVariant: variant,
    extraLine,
    nameLine,
    printedUnit,
    unitPlacement,
    apartment,
    street,
    streetLine,
    city: caseOf(building.city, letterCase),
    state: building.state.toUpperCase(),
    zip,
    cityLine,
    phone,
    identifiable,
  };
}
