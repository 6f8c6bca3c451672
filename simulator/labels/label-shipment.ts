import type { SeededRandom } from '../seeded-random.ts';
import { type LetterCase, outsiderFirstNames, outsiderLastNames, phoneNumber } from './label-recipients.ts';
import type { SenderTruth } from './label-truth.ts';

/** Everything on a label besides the recipient and the tracking number: the realistic clutter. */
export interface ShipmentDetails {
  sender: SenderTruth;
  weightLb: number;
  shipDate: Date;
  /** A shop's order or PO number, printed as "REF". */
  reference: string;
  /** A second reference some shippers add (invoice, department). */
  invoice: string;
  dimsIn: [number, number, number];
  /** A 7-digit account or meter number. */
  account: string;
}

const shopFirst = [
  'Juniper',
  'Copper Kettle',
  'Northwind',
  'Blue Heron',
  'Saltmarsh',
  'Golden Hour',
  'Ironwood',
  'Little Fern',
  'Granite Peak',
  'Marble & Moss',
  'Red Barn',
  'Quiet Harbor',
  'Sundial',
  'Wildflower',
  'Brass Lantern',
  'Cedar Hollow',
];
const shopSecond = [
  'Outfitters',
  'Tea Co.',
  'Ceramics',
  'Supply Co.',
  'Books',
  'Apothecary',
  'Bike Works',
  'Pet Goods',
  'Home & Garden',
  'Electronics',
  'Knitworks',
  'Coffee Roasters',
];
const streetNames = [
  'Commerce',
  'Industrial',
  'Maple',
  'Riverside',
  'Depot',
  'Lakeview',
  'Franklin',
  'Warehouse',
  'Mill',
  'Union',
  'Orchard',
  'Airport',
];
const streetTypes = ['St', 'Ave', 'Blvd', 'Dr', 'Pkwy', 'Way', 'Ct', 'Ln'];

/** Places far from the building, with ZIP prefixes and area codes that belong to them. */
const origins: ReadonlyArray<{ city: string; state: string; zip3: string; area: string }> = [
  { city: 'Portland', state: 'OR', zip3: '972', area: '503' },
  { city: 'Boise', state: 'ID', zip3: '837', area: '208' },
  { city: 'Austin', state: 'TX', zip3: '787', area: '512' },
  { city: 'Louisville', state: 'KY', zip3: '402', area: '502' },
  { city: 'Columbus', state: 'OH', zip3: '432', area: '614' },
  { city: 'Reno', state: 'NV', zip3: '895', area: '775' },
  { city: 'Brooklyn', state: 'NY', zip3: '112', area: '718' },
  { city: 'Asheville', state: 'NC', zip3: '288', area: '828' },
  { city: 'Minneapolis', state: 'MN', zip3: '554', area: '612' },
  { city: 'Tempe', state: 'AZ', zip3: '852', area: '480' },
  { city: 'Salt Lake City', state: 'UT', zip3: '841', area: '801' },
  { city: 'Memphis', state: 'TN', zip3: '381', area: '901' },
  { city: 'Fresno', state: 'CA', zip3: '937', area: '559' },
  { city: 'Denver', state: 'CO', zip3: '802', area: '303' },
];

const caseOf = (text: string, letterCase: LetterCase) => (letterCase === 'upper' ? text.toUpperCase() : text);

function makeSender(random: SeededRandom, letterCase: LetterCase): SenderTruth {
  const origin = random.pick(origins);
  // Marketplace sellers often ship under their own name rather than a shop's.
  const name = random.chance(0.15)
    ? `${random.pick(outsiderFirstNames)} ${random.pick(outsiderLastNames)}`
    : `${random.pick(shopFirst)} ${random.pick(shopSecond)}`;
  const street = `${random.int(10, 9800)} ${random.pick(streetNames)} ${random.pick(streetTypes)}`;
  const suite = random.chance(0.3) ? ` Ste ${random.int(100, 450)}` : '';
  const zip = `${origin.zip3}${String(random.int(1, 99)).padStart(2, '0')}`;
  const phone = random.chance(0.6) ? phoneNumber(random, [origin.area]) : null;
  const lines = [
    caseOf(name, letterCase),
    caseOf(`${street}${suite}`, letterCase),
    `${caseOf(origin.city, letterCase)}${letterCase === 'mixed' ? ',' : ''} ${origin.state} ${zip}`,
  ];
  return {
    name: caseOf(name, letterCase),
    street: caseOf(`${street}${suite}`, letterCase),
    city: caseOf(origin.city, letterCase),
    state: origin.state,
    zip,
    phone,
    lines,
  };
}

const digits = (random: SeededRandom, count: number) => {
  let out = '';
  for (let i = 0; i < count; i++) out += String(random.int(0, 9));
  return out;
};

export function shipmentDetails(random: SeededRandom, letterCase: LetterCase): ShipmentDetails {
  const reference = random.pick([
    `PO-${digits(random, 6)}`,
    `ORDER ${digits(random, 5)}`,
    `#${digits(random, 4)}-${digits(random, 4)}`,
    `${digits(random, 3)}-${digits(random, 7)}-${digits(random, 7)}`,
  ]);
  // Dates within 2025, so the same seed always prints the same date.
  const shipDate = new Date(Date.UTC(2025, 0, 1) + random.int(0, 364) * 86_400_000);
  return {
    sender: makeSender(random, letterCase),
    weightLb: Math.round(random.between(0.3, 24) * 10) / 10,
    shipDate,
    reference,
    invoice: `INV${digits(random, 6)}`,
    dimsIn: [random.int(6, 24), random.int(4, 18), random.int(2, 12)],
    account: digits(random, 7),
  };
}

const months = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const weekdays = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

/** Dates as carriers print them: "14MAR25", "14 MAR 2025", "03/14/2025", "2025-03-14", "FRI 14 MAR". */
export function carrierDate(date: Date, style: 'compact' | 'spaced' | 'us' | 'iso' | 'weekday'): string {
  const day = String(date.getUTCDate()).padStart(2, '0');
  const month = months[date.getUTCMonth()]!;
  const year = date.getUTCFullYear();
  const mm = String(date.getUTCMonth() + 1).padStart(2, '0');
  switch (style) {
    case 'compact':
      return `${day}${month}${String(year).slice(2)}`;
    case 'spaced':
      return `${day} ${month} ${year}`;
    case 'us':
      return `${mm}/${day}/${year}`;
    case 'iso':
      return `${year}-${mm}-${day}`;
    case 'weekday':
      return `${weekdays[date.getUTCDay()]} ${day} ${month}`;
  }
}

export const addDays = (date: Date, days: number) => new Date(date.getTime() + days * 86_400_000);
