/**
 * Carriers' tracking numbers: their shapes, their check digits, how they sit inside barcodes,
 * and how OCR misreads them.
 *
 * A tracking number read by OCR is only trusted when its check digit holds. OCR's usual
 * confusions (O/0, I/1, Z/2, B/8, S/5, G/6) are undone only when exactly one way of undoing them
 * makes the check digit hold; two or more and the reading is refused, because a wrong tracking
 * number silently attached to a package is worse than asking the courier to type it.
 */

export type CarrierId = 'ups' | 'usps' | 'fedex' | 'amazon' | 'dhl';

export const carrierNames: Readonly<Record<CarrierId, string>> = {
  ups: 'UPS',
  usps: 'USPS',
  fedex: 'FedEx',
  amazon: 'Amazon Logistics',
  dhl: 'DHL Express',
};

/**
 * Position classes of a format: `d` a digit, `a` a digit or a letter, `l` a letter; any other
 * character stands for itself (the "1Z" of UPS, the "TBA" of Amazon).
 */
type Shape = string;

export interface TrackingFormat {
  carrier: CarrierId;
  /** Stable name of the numbering scheme, shown with the number. */
  scheme: string;
  shape: Shape;
  /** Whether the last character is a check digit over the rest; false for Amazon's TBA. */
  checked: boolean;
  isValid(value: string): boolean;
  /** Completes a number whose check character is missing (used by the label generator). */
  complete(body: string): string;
  /** How the number is printed on a label, for people to read. */
  print(value: string): string;
  /**
   * Only proposed from OCR when the label names the carrier: short all-digit numbers (DHL's
   * ten, FedEx's twelve) are otherwise easily a phone number or an order reference.
   */
  needsCarrierHint: boolean;
}

export interface TrackingNumber {
  carrier: CarrierId;
  scheme: string;
  /** Canonical form: upper case, no spaces. */
  value: string;
  /** 'check-digit' when a check digit confirmed it; 'format' for schemes without one. */
  validatedBy: 'check-digit' | 'format';
}

const digitValue = (c: string): number => c.charCodeAt(0) - 48;

/** Weights 3,1,3,1… from the rightmost body digit, as USPS IMpb and FedEx Ground use. */
function mod10Weighted31(body: string): number {
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    sum += digitValue(body[body.length - 1 - i]!) * (i % 2 === 0 ? 3 : 1);
  }
  return (10 - (sum % 10)) % 10;
}

/** UPS: letters count as (code − 3) mod 10; odd positions after "1Z" are doubled. */
function upsCheck(body: string): number {
  let sum = 0;
  const chars = body.slice(2);
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    const value = c >= '0' && c <= '9' ? digitValue(c) : (c.charCodeAt(0) - 3) % 10;
    sum += i % 2 === 1 ? value * 2 : value;
  }
  return (10 - (sum % 10)) % 10;
}

/** FedEx Express: weights 1,3,7 repeating from the rightmost body digit, modulo 11 then 10. */
function fedexExpressCheck(body: string): number {
  const weights = [1, 3, 7];
  let sum = 0;
  for (let i = 0; i < body.length; i++) sum += digitValue(body[body.length - 1 - i]!) * weights[i % 3]!;
  return (sum % 11) % 10;
}

/** UPU S10 (international post): weights 8,6,4,2,3,5,9,7 over the eight serial digits. */
function s10Check(serial: string): number {
  const weights = [8, 6, 4, 2, 3, 5, 9, 7];
  let sum = 0;
  for (let i = 0; i < 8; i++) sum += digitValue(serial[i]!) * weights[i]!;
  const check = 11 - (sum % 11);
  return check === 10 ? 0 : check === 11 ? 5 : check;
}

/** DHL Express waybills: the first nine digits modulo 7. */
function dhlCheck(body: string): number {
  return Number(BigInt(body) % 7n);
}

const uspsChannel = (value: string): boolean => value[1]! >= '1' && value[1]! <= '5';

function group(value: string, sizes: number[]): string {
  const parts: string[] = [];
  let at = 0;
  for (const size of sizes) {
    if (at >= value.length) break;
    parts.push(value.slice(at, at + size));
    at += size;
  }
  if (at < value.length) parts.push(value.slice(at));
  return parts.join(' ');
}

function trailingCheck(
  carrier: CarrierId,
  scheme: string,
  shape: Shape,
  check: (body: string) => number,
  print: (value: string) => string,
  options: { needsCarrierHint?: boolean; alsoRequires?: (value: string) => boolean } = {},
): TrackingFormat {
  const { needsCarrierHint = false, alsoRequires = () => true } = options;
  return {
    carrier,
    scheme,
    shape,
    checked: true,
    isValid: (value) =>
      fitsShape(value, shape) &&
      alsoRequires(value) &&
      check(value.slice(0, -1)) === digitValue(value.at(-1)!),
    complete: (body) => `${body}${check(body)}`,
    print,
    needsCarrierHint,
  };
}

/**
 * Every scheme Parcelroom recognises. Order matters only for display; a value fits at most one
 * shape of a given length except FedEx Express vs. a 12-digit DHL-like number, which the
 * carrier hint separates.
 */
export const trackingFormats: readonly TrackingFormat[] = [
  trailingCheck('ups', 'UPS 1Z', '1Zaaaaaadddddddddd', upsCheck, (v) => group(v, [2, 3, 3, 2, 4, 4])),
  // USPS Intelligent Mail package barcode: 20 or 22 digits; channel identifiers 91–95 come
  // first, which also keeps FedEx Ground's 22-digit "96" barcodes apart.
  trailingCheck(
    'usps',
    'USPS IMpb',
    '9ddddddddddddddddddddd',
    mod10Weighted31,
    (v) => group(v, [4, 4, 4, 4, 4, 2]),
    {
      alsoRequires: uspsChannel,
    },
  ),
  trailingCheck(
    'usps',
    'USPS IMpb (20)',
    '9ddddddddddddddddddd',
    mod10Weighted31,
    (v) => group(v, [4, 4, 4, 4, 4]),
    {
      alsoRequires: uspsChannel,
    },
  ),
  {
    carrier: 'usps',
    scheme: 'UPU S10',
    shape: 'lldddddddddll',
    checked: true,
    isValid: (v) => fitsShape(v, 'lldddddddddll') && s10Check(v.slice(2, 10)) === digitValue(v[10]!),
    complete: (body) => `${body.slice(0, 10)}${s10Check(body.slice(2, 10))}${body.slice(10)}`,
    print: (v) => `${v.slice(0, 2)} ${v.slice(2, 5)} ${v.slice(5, 8)} ${v.slice(8, 11)} ${v.slice(11)}`,
    needsCarrierHint: false,
  },
  trailingCheck('fedex', 'FedEx Express', 'dddddddddddd', fedexExpressCheck, (v) => group(v, [4, 4, 4]), {
    needsCarrierHint: true,
  }),
  trailingCheck('fedex', 'FedEx Ground', 'ddddddddddddddd', mod10Weighted31, (v) => group(v, [3, 4, 4, 4]), {
    needsCarrierHint: true,
  }),
  {
    carrier: 'amazon',
    scheme: 'Amazon TBA',
    shape: 'TBAdddddddddddd',
    checked: false,
    isValid: (v) => fitsShape(v, 'TBAdddddddddddd'),
    complete: (body) => body,
    print: (v) => v,
    needsCarrierHint: false,
  },
  trailingCheck('dhl', 'DHL Express', 'dddddddddd', dhlCheck, (v) => group(v, [2, 4, 4]), {
    needsCarrierHint: true,
  }),
];

function fitsClass(char: string, cls: string): boolean {
  const digit = char >= '0' && char <= '9';
  const letter = char >= 'A' && char <= 'Z';
  if (cls === 'd') return digit;
  if (cls === 'l') return letter;
  if (cls === 'a') return digit || letter;
  return char === cls;
}

function fitsShape(value: string, shape: Shape): boolean {
  if (value.length !== shape.length) return false;
  for (let i = 0; i < shape.length; i++) if (!fitsClass(value[i]!, shape[i]!)) return false;
  return true;
}

/** Upper case, no spaces, dashes or dots: how numbers are compared. */
export function canonicalTrackingText(text: string): string {
  return text.toUpperCase().replace(/[\s\-.]/g, '');
}

function asTracking(format: TrackingFormat, value: string): TrackingNumber {
  return {
    carrier: format.carrier,
    scheme: format.scheme,
    value,
    validatedBy: format.checked ? 'check-digit' : 'format',
  };
}

/** An exact reading (typed by a courier, or from a barcode): valid for some scheme, or null. */
export function parseTrackingNumber(text: string, carrierHint?: CarrierId): TrackingNumber | null {
  const value = canonicalTrackingText(text);
  const fits = trackingFormats.filter((f) => f.isValid(value));
  const chosen = fits.find((f) => f.carrier === carrierHint) ?? fits[0];
  return chosen ? asTracking(chosen, value) : null;
}

export function formatTrackingNumber(tracking: Pick<TrackingNumber, 'scheme' | 'value'>): string {
  const format = trackingFormats.find((f) => f.scheme === tracking.scheme);
  return format ? format.print(tracking.value) : tracking.value;
}

const gs = '\u001d';

/**
 * The tracking number carried by a barcode's payload. Carriers wrap it: USPS puts the
 * destination ZIP first as GS1 application identifier 420; FedEx Ground's "96" barcode and
 * FedEx Express's 34-digit barcode carry routing digits in front of the number.
 */
export function trackingNumberFromBarcode(payload: string): TrackingNumber | null {
  const direct = parseTrackingNumber(payload);
  if (direct) return direct;
  // GS1 as ZXing renders it, "(420)10001(92)001…", or raw with group separators.
  const humanReadable = payload.match(/^\(420\)\d{5}(?:\d{4})?\((9\d)\)(\d+)$/);
  if (humanReadable) return parseTrackingNumber(`${humanReadable[1]}${humanReadable[2]}`, 'usps');
  const raw = payload.replace(/^\]C1/, '').match(new RegExp(`^420\\d{5}(?:\\d{4})?${gs}?(9\\d{19,21})$`));
  if (raw) return parseTrackingNumber(raw[1]!, 'usps');
  const digits = payload.replace(/\D/g, '');
  if (/^96\d{20}$/.test(digits)) return parseTrackingNumber(digits.slice(7), 'fedex');
  if (/^\d{34}$/.test(digits)) return parseTrackingNumber(digits.slice(22), 'fedex');
  return null;
}

/** What OCR confuses, both ways. */
const confusions: Readonly<Record<string, readonly string[]>> = {
  O: ['0'],
  D: ['0'],
  Q: ['0'],
  '0': ['O'],
  I: ['1'],
  L: ['1'],
  '|': ['1'],
  '1': ['I'],
  Z: ['2'],
  '2': ['Z'],
  B: ['8'],
  '8': ['B'],
  S: ['5'],
  '5': ['S'],
  G: ['6'],
  '6': ['G'],
};

export interface TrackingReading extends TrackingNumber {
  /** The characters as OCR gave them (canonical form). */
  read: string;
  /** Positions where a confusion was undone to make the check digit hold. */
  corrections: number;
}

/** At most this many ambiguous characters are tried both ways; forced ones are free. */
const maxOptionalCorrections = 2;

/**
 * The one reading of `read` that fits `format`, undoing OCR confusions, or null when none or
 * several do. A letter where the format needs a digit (or the reverse) has one possible fix and
 * is forced; an ambiguous character in a digit-or-letter position is tried both ways.
 */
export function correctToFormat(read: string, format: TrackingFormat): TrackingReading | null {
  const { shape } = format;
  if (read.length !== shape.length) return null;
  const options: string[][] = [];
  let forced = 0;
  for (let i = 0; i < shape.length; i++) {
    const char = read[i]!;
    const cls = shape[i]!;
    const alternatives = (confusions[char] ?? []).filter((c) => fitsClass(c, cls));
    if (fitsClass(char, cls)) {
      options.push(cls === 'a' ? [char, ...alternatives] : [char]);
    } else if (alternatives.length === 1) {
      options.push([alternatives[0]!]);
      forced++;
    } else {
      return null;
    }
  }
  // Without a check digit nothing can confirm a correction beyond the forced ones.
  const maxOptional = format.checked ? maxOptionalCorrections : 0;
  for (let optional = 0; optional <= maxOptional; optional++) {
    const found = new Set<string>();
    enumerate(options, optional, (value) => {
      if (format.isValid(value)) found.add(value);
    });
    if (found.size > 1) return null;
    const [value] = found;
    if (value !== undefined) {
      if (!format.checked && forced > 0) return null;
      return { ...asTracking(format, value), read, corrections: forced + optional };
    }
  }
  return null;
}

/** Calls `visit` with every string taking exactly `changes` non-first options. */
function enumerate(options: string[][], changes: number, visit: (value: string) => void): void {
  const chars = options.map((o) => o[0]!);
  const walk = (from: number, left: number): void => {
    if (left === 0) {
      visit(chars.join(''));
      return;
    }
    for (let i = from; i < options.length; i++) {
      const choices = options[i]!;
      for (let k = 1; k < choices.length; k++) {
        chars[i] = choices[k]!;
        walk(i + 1, left - 1);
      }
      chars[i] = choices[0]!;
    }
  };
  walk(0, changes);
}

export interface FoundTracking extends TrackingReading {
  /** Index of the OCR line it came from. */
  line: number;
  /** Read in the groups its carrier prints it in ("1Z 999 AA1 01 2345 6784"): a stray digit run is not. */
  grouped: boolean;
}

const maxTokensPerNumber = 8;

/**
 * Every tracking number in OCR text. Printed numbers are grouped with spaces, so runs of up to
 * eight adjacent tokens on one line are joined and tried against every format of that length.
 * `carrierHints` lists carriers the label names elsewhere (a logo, "FedEx Ground").
 */
export function findTrackingNumbers(
  lines: readonly string[],
  carrierHints: readonly CarrierId[] = [],
): FoundTracking[] {
  const found = new Map<string, FoundTracking>();
  const lengths = new Set(trackingFormats.map((f) => f.shape.length));
  lines.forEach((line, lineIndex) => {
    const tokens = line
      .toUpperCase()
      .split(/\s+/)
      .map((t) => t.replace(/[^0-9A-Z|]/g, ''))
      .filter((t) => t.length > 0);
    for (let start = 0; start < tokens.length; start++) {
      let joined = '';
      const groupLengths: number[] = [];
      for (let end = start; end < Math.min(tokens.length, start + maxTokensPerNumber); end++) {
        joined += tokens[end]!;
        groupLengths.push(tokens[end]!.length);
        if (joined.length > 34) break;
        if (!lengths.has(joined.length)) continue;
        for (const format of trackingFormats) {
          if (format.needsCarrierHint && !carrierHints.includes(format.carrier)) continue;
          const reading = correctToFormat(joined, format);
          if (!reading) continue;
          const printed = format
            .print(reading.value)
            .split(' ')
            .map((g) => g.length);
          const grouped = groupLengths.length > 1 && printed.join(',') === groupLengths.join(',');
          const known = found.get(reading.value);
          if (
            !known ||
            known.corrections > reading.corrections ||
            (known.corrections === reading.corrections && grouped && !known.grouped)
          ) {
            found.set(reading.value, { ...reading, line: lineIndex, grouped });
          }
        }
      }
    }
  });
  // A number read inside a longer valid one (a 22-digit IMpb's first 20 digits can pass as a
  // 20-digit one) is the longer one's shadow.
  const all = [...found.values()];
  return all
    .filter((t) => !all.some((o) => o !== t && o.value.length > t.value.length && o.value.includes(t.value)))
    .sort(
      (a, b) => a.corrections - b.corrections || Number(b.grouped) - Number(a.grouped) || a.line - b.line,
    );
}

/**
 * A valid number of the given scheme from a source of uniform [0, 1) numbers; the label
 * generator's, so that generated labels exercise the same check digits as real ones.
 */
export function generateTrackingNumber(scheme: string, random: () => number): TrackingNumber {
  const format = trackingFormats.find((f) => f.scheme === scheme);
  if (!format) throw new RangeError(`unknown tracking scheme "${scheme}"`);
  const digit = () => String(Math.floor(random() * 10));
  const letter = () => String.fromCharCode(65 + Math.floor(random() * 26));
  // Schemes with rules beyond their shape (USPS channel digits) are drawn until one fits.
  for (let attempt = 0; attempt < 1000; attempt++) {
    const body = [...format.shape]
      .map((cls) =>
        cls === 'd'
          ? digit()
          : cls === 'l'
            ? letter()
            : cls === 'a'
              ? random() < 0.3
                ? letter()
                : digit()
              : cls,
      )
      .join('');
    // The check character's position is filled by complete(); S10's sits before the country.
    const withoutCheck =
      format.scheme === 'UPU S10' ? `${body.slice(0, 10)}${body.slice(11)}` : body.slice(0, -1);
    const value = format.checked ? format.complete(withoutCheck) : body;
    if (format.isValid(value)) return asTracking(format, value);
  }
  throw new RangeError(`could not draw a valid ${scheme} number`);
}
