import { distance } from 'fastest-levenshtein';
import type { BarcodeReading } from './barcode-reader.ts';
import {
  type CarrierId,
  type FoundTracking,
  findTrackingNumbers,
  type TrackingNumber,
} from './tracking-numbers.ts';

/** The building the package room serves: every label's recipient address should be this one. */
export interface BuildingAddress {
  street: string;
  city: string;
  state: string;
  zip: string;
}

export interface TrackingResult extends TrackingNumber {
  source: 'barcode' | 'ocr';
  /** OCR confusions undone to satisfy the check digit (0 for barcodes). */
  corrections: number;
}

export interface ParsedRecipient {
  /** Best guess at the printed name, upper case. */
  name: string | null;
  /** Other lines that may hold the name, best first (the matcher tries them all). */
  nameCandidates: string[];
  /** The unit as printed ("APT 4B"), or null. */
  unit: string | null;
  street: string | null;
  city: string | null;
  state: string | null;
  zip: string | null;
  /** Where the address block was found: after "SHIP TO", at the building's street, or the last address. */
  anchor: 'ship-to' | 'building-street' | 'last-address' | 'none';
}

export interface ParsedLabel {
  carrier: CarrierId | null;
  tracking: TrackingResult | null;
  /** Every valid tracking number seen, barcode ones first. */
  trackingCandidates: TrackingResult[];
  recipient: ParsedRecipient;
}

const carrierWords: Array<[CarrierId, RegExp]> = [
  ['ups', /\bUPS\b|UNITED PARCEL/],
  // FedEx prints its own captions ("TRK#", "ORIGIN ID", "ACTWGT") even where its logo is not read.
  ['fedex', /FED\s?EX|\bTRK\s?[#*]|ORIGIN ID|ACT\s?WGT/],
  ['usps', /\bUSPS\b|POSTAL SERVICE|PRIORITY MAIL|FIRST[- ]CLASS|GROUND ADVANTAGE/],
  ['amazon', /AMAZON|\bTBA\d/],
  ['dhl', /\bDHL\b|WAYBILL/],
];

const shipToPattern = /\b(?:SHIP\s*TO|DELIVER\s*TO|DELIVERY\s*TO|RECIPIENT|CONSIGNEE|TO)\s*[:.]?/;
const cityLinePattern = /([A-Z][A-Z .'-]*?)[,.]?\s+([A-Z]{2})[,.]?\s+(\d{5})(?:-?\d{4})?\b/;
const streetSuffixes =
  'ST|STREET|RD|ROAD|AVE|AV|AVENUE|BLVD|BOULEVARD|DR|DRIVE|LN|LANE|WAY|CT|COURT|PL|PLACE|TER|TERRACE|PKWY|PARKWAY|HWY|HIGHWAY|SQ|SQUARE|CIR|CIRCLE|ALY|PLZ|PLAZA|LOOP|ROW|WALK';
const streetPattern = new RegExp(`^\\d{1,6}[A-Z]?\\s+.*\\b(?:${streetSuffixes})\\b`);
/** Unit designators carriers print; "#" needs no word. */
const unitPattern =
  /(?:\b(?:APT|APARTMENT|UNIT|STE|SUITE|RM|ROOM|NO)\b\.?\s*#?\s*|#\s*)([A-Z]?\d[\dA-Z-]*|[A-Z]{1,2}\d*\b)/;
const nonNameWords =
  /\b(?:TRACKING|TRK|WEIGHT|LBS?|KG|REF|PO|INVOICE|DATE|SHIP|FROM|BILLING|SERVICE|GROUND|EXPRESS|PRIORITY|MAIL|POSTAGE|PAID|ZONE|PHONE|TEL|DIMS|WAYBILL|RETURN|SENDER|ORIGIN|DEST|ROUTING|CWT|PKG|CARRIER)\b/;

const clean = (line: string) =>
  line
    .toUpperCase()
    .replace(/[“”"`´]/g, '')
    .replace(/\s+/g, ' ')
    .trim();

/**
 * "SHIP TO:" is often printed in a column left of the address and read into its lines, split
 * ("SHIP" on the name's line, "TO:" on the street's).
 */
const leadingCaption = /^(?:SHIP\s*TO|DELIVER\s*TO|SHIP|SHP|TO)\b\s*[:.]?\s*/;
const withoutCaption = (line: string) => line.replace(leadingCaption, '');

/** Shippers print "ROAD" where the building says "RD", and the other way round. */
const streetWords: ReadonlyArray<[RegExp, string]> = [
  [/\bROAD\b/g, 'RD'],
  [/\bSTREET\b/g, 'ST'],
  [/\bAVENUE\b/g, 'AVE'],
  [/\bBOULEVARD\b/g, 'BLVD'],
  [/\bDRIVE\b/g, 'DR'],
  [/\bLANE\b/g, 'LN'],
  [/\bCOURT\b/g, 'CT'],
  [/\bPLACE\b/g, 'PL'],
  [/\bTERRACE\b/g, 'TER'],
  [/\bPARKWAY\b/g, 'PKWY'],
  [/\bHIGHWAY\b/g, 'HWY'],
];
const abbreviateStreet = (line: string) =>
  streetWords.reduce((text, [word, short]) => text.replace(word, short), line);

/** How alike two street lines are, ignoring spaces, punctuation and spelt-out street words (0..1). */
function streetSimilarity(line: string, b: string): number {
  const a = withoutCaption(line);
  const x = abbreviateStreet(a).replace(/[^A-Z0-9]/g, '');
  const y = abbreviateStreet(b).replace(/[^A-Z0-9]/g, '');
  if (!x || !y) return 0;
  // Compare the line's start: the unit may follow the street on the same line.
  const head = x.slice(0, y.length);
  return 1 - distance(head, y) / Math.max(head.length, y.length);
}

function looksLikeName(line: string): boolean {
  const letters = line.replace(/[^A-Z]/g, '').length;
  const digits = line.replace(/[^0-9]/g, '').length;
  return letters >= 2 && digits <= 1 && !nonNameWords.test(line) && !cityLinePattern.test(line);
}

/** The name part of a line that may start with "SHIP TO:" and end with a unit. */
function nameFrom(line: string): string {
  return withoutCaption(line)
    .replace(shipToPattern, ' ')
    .replace(/\b(?:ATTN|C\/O)\b[:.]?/g, ' ')
    .replace(unitPattern, ' ')
    .replace(/[^A-Z ,.'-]/g, ' ')
    .replace(/\s+/g, ' ')
    .replace(/^[ ,.'-]+|[ ,.'-]+$/g, '')
    .trim();
}

function unitFrom(line: string): string | null {
  const match = line.match(unitPattern);
  return match ? match[0].trim() : null;
}

/** A line that is only a unit ("APT 305", "#305"). */
function isUnitLine(line: string): boolean {
  const unit = unitFrom(line);
  return unit !== null && line.replace(unit, '').replace(/[^A-Z0-9]/g, '').length === 0;
}

export function findRecipient(lines: readonly string[], building?: BuildingAddress): ParsedRecipient {
  const upper = lines.map(clean);
  const buildingStreet = building ? clean(building.street) : undefined;

  let streetIndex = -1;
  let anchor: ParsedRecipient['anchor'] = 'none';
  if (buildingStreet) {
    let best = 0.75;
    upper.forEach((line, i) => {
      const similarity = streetSimilarity(line, buildingStreet);
      if (similarity >= best) {
        best = similarity;
        streetIndex = i;
        anchor = 'building-street';
      }
    });
  }
  if (streetIndex < 0) {
    const shipTo = upper.findIndex((line) => /\b(?:SHIP|DELIVER)\s*TO\b/.test(line));
    const from = Math.max(shipTo, 0);
    const street = upper.findIndex((line, i) => i >= from && streetPattern.test(line));
    if (street >= 0 && shipTo >= 0) {
      streetIndex = street;
      anchor = 'ship-to';
    } else {
      // The recipient's address is printed below the sender's: take the last street line.
      for (let i = upper.length - 1; i >= 0; i--) {
        if (streetPattern.test(upper[i]!)) {
          streetIndex = i;
          anchor = 'last-address';
          break;
        }
      }
    }
  }
  if (streetIndex < 0) {
    return {
      name: null,
      nameCandidates: [],
      unit: null,
      street: null,
      city: null,
      state: null,
      zip: null,
      anchor,
    };
  }

  const street = withoutCaption(upper[streetIndex]!);
  let unit = unitFrom(street.replace(/^\d+[A-Z]?\s/, ''));
  // "1200 HARBOR VIEW RD 302": a bare number after the building's own street is the unit.
  if (!unit && (anchor as ParsedRecipient['anchor']) === 'building-street' && buildingStreet) {
    const extra = street.split(' ').slice(buildingStreet.split(' ').length);
    const last = extra.at(-1);
    if (extra.length === 1 && last && /^[A-Z]?\d{1,4}[A-Z]?$/.test(last)) unit = last;
  }
  let city: RegExpMatchArray | null = null;
  for (let i = streetIndex + 1; i < Math.min(upper.length, streetIndex + 4); i++) {
    const line = upper[i]!;
    if (!unit && isUnitLine(line)) unit = unitFrom(line);
    city ??= line.match(cityLinePattern);
  }

  // The name sits just above the street, possibly after a company or "ATTN" line, and on
  // some labels on the "SHIP TO:" line itself.
  const nameCandidates: string[] = [];
  for (let i = streetIndex - 1; i >= Math.max(0, streetIndex - 3); i--) {
    const line = upper[i]!;
    if (isUnitLine(line)) {
      unit ??= unitFrom(line);
      continue;
    }
    const name = nameFrom(line);
    if (looksLikeName(name) && name.length >= 2) nameCandidates.push(name);
    else if (/\b(?:SHIP|DELIVER)\s*TO\b/.test(line) && name.length === 0) break;
    if (/\b(?:SHIP|DELIVER)\s*TO\b/.test(line)) break;
  }
  return {
    name: nameCandidates[0] ?? null,
    nameCandidates,
    unit,
    street: street.replace(unitPattern, '').trim(),
    city: city?.[1]?.trim() ?? null,
    state: city?.[2] ?? null,
    zip: city?.[3] ?? null,
    anchor,
  };
}

export function findCarrier(lines: readonly string[]): CarrierId[] {
  const text = lines.map(clean).join('\n');
  return carrierWords.filter(([, pattern]) => pattern.test(text)).map(([carrier]) => carrier);
}

/**
 * Reads a label: the tracking number from a barcode when one carries it, else from the text
 * with check digits; the carrier from the number, else from the words printed; the recipient
 * from the address block addressed to this building.
 */
export function parseLabel(
  lines: readonly string[],
  barcodes: readonly BarcodeReading[],
  building?: BuildingAddress,
): ParsedLabel {
  const hints = findCarrier(lines);
  const fromBarcodes: TrackingResult[] = [];
  for (const barcode of barcodes) {
    if (barcode.tracking && !fromBarcodes.some((t) => t.value === barcode.tracking!.value)) {
      fromBarcodes.push({ ...barcode.tracking, source: 'barcode', corrections: 0 });
    }
  }
  const captioned = (found: FoundTracking) =>
    /TRACKING|TRK|WAYBILL|TBA|1Z/.test(clean(lines[found.line] ?? '')) ? 0 : 1;
  const fromText = findTrackingNumbers(lines, hints)
    .sort(
      (a, b) =>
        a.corrections - b.corrections ||
        Number(b.grouped) - Number(a.grouped) ||
        Number(!hints.includes(a.carrier)) - Number(!hints.includes(b.carrier)) ||
        captioned(a) - captioned(b),
    )
    .map(
      ({ read: _read, line: _line, grouped: _grouped, ...tracking }): TrackingResult => ({
        ...tracking,
        source: 'ocr',
      }),
    );
  const trackingCandidates = [
    ...fromBarcodes,
    ...fromText.filter((t) => !fromBarcodes.some((b) => b.value === t.value)),
  ];
  const tracking = trackingCandidates[0] ?? null;
  return {
    carrier: tracking?.carrier ?? hints[0] ?? null,
    tracking,
    trackingCandidates,
    recipient: findRecipient(lines, building),
  };
}
