import { distance } from 'fastest-levenshtein';
import { z } from 'zod';
import { normalizeUnit, unitSimilarity } from './apartment-unit.ts';
import { areNicknames } from './nicknames.ts';

export interface ResidentRecord {
  id: string;
  firstName: string;
  lastName: string;
  apartment: string;
  /** Residents who moved out stay in the database for history but receive no new packages. */
  active?: boolean;
}

export interface ResidentCandidate {
  residentId: string;
  firstName: string;
  lastName: string;
  apartment: string;
  /** 0..1, the ranking score. */
  score: number;
  nameScore: number;
  /** Null when the label printed no unit. */
  unitScore: number | null;
  /** Why the score is what it is, for staff reviewing the choice ("nickname", "unit differs"…). */
  reasons: string[];
}

export interface ResidentMatch {
  /**
   * confident: one resident fits well and clearly better than anyone else; the kiosk may
   * propose them. uncertain: someone fits, but not well or not uniquely; the courier or staff
   * choose. no_match: nobody here resembles the label.
   */
  status: 'confident' | 'uncertain' | 'no_match';
  candidates: ResidentCandidate[];
  reason: string;
}

export interface ResidentQuery {
  name: string | null;
  unit: string | null;
}

export interface ResidentMatcher {
  match(query: ResidentQuery): ResidentMatch;
  readonly size: number;
}

export const residentMatcherOptionsSchema = z
  .object({
    /** The top candidate's score at which the kiosk may propose them without asking. */
    confidentScore: z.number().min(0).max(1).default(0.8),
    /** How far ahead of the runner-up the top candidate must be to be confident. */
    minMargin: z.number().min(0).max(1).default(0.12),
    /** Below this nobody is proposed at all. */
    minScore: z.number().min(0).max(1).default(0.45),
    /** A confident match also needs the name itself to fit this well: a unit alone never decides. */
    minNameScore: z.number().min(0).max(1).default(0.75),
    maxCandidates: z.number().int().min(1).max(50).default(5),
  })
  .strict();
export type ResidentMatcherOptions = z.input<typeof residentMatcherOptionsSchema>;

/** Honorifics, suffixes and care-of words carry nothing about who the person is. */
const ignoredWords = new Set([
  'MR',
  'MRS',
  'MS',
  'MISS',
  'MX',
  'DR',
  'PROF',
  'JR',
  'SR',
  'II',
  'III',
  'IV',
  'ATTN',
  'CO',
  'C/O',
]);

/** OCR reads letters in names as digits now and then; names have no digits, so fold them back. */
const digitsAsLetters: Readonly<Record<string, string>> = {
  '0': 'O',
  '1': 'I',
  '2': 'Z',
  '4': 'A',
  '5': 'S',
  '6': 'G',
  '8': 'B',
};

function nameTokens(text: string): string[] {
  return text
    .toUpperCase()
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[0-9]/g, (d) => digitsAsLetters[d] ?? '')
    .split(/[^A-Z'-]+/)
    .map((t) => t.replace(/^['-]+|['-]+$/g, '').replace(/'/g, ''))
    .filter((t) => t.length > 0 && !ignoredWords.has(t));
}

/** "LAST, FIRST M" is the order many shippers print; put it back to "FIRST M LAST". */
function printedOrder(name: string): { tokens: string[]; commaSwapped: boolean } {
  const comma = name.indexOf(',');
  if (comma > 0) {
    const last = nameTokens(name.slice(0, comma));
    const rest = nameTokens(name.slice(comma + 1));
    if (last.length > 0 && rest.length > 0) return { tokens: [...rest, ...last], commaSwapped: true };
  }
  return { tokens: nameTokens(name), commaSwapped: false };
}

const similarity = (a: string, b: string) =>
  a.length === 0 || b.length === 0 ? 0 : 1 - distance(a, b) / Math.max(a.length, b.length);

interface Part {
  score: number;
  reason?: string;
}

function givenNameFit(printed: string, given: string): Part {
  if (printed.length === 1) return printed === given[0] ? { score: 0.8, reason: 'initial' } : { score: 0 };
  if (printed === given) return { score: 1 };
  if (areNicknames(printed, given)) return { score: 0.95, reason: `nickname ${printed} for ${given}` };
  const s = similarity(printed, given);
  return s >= 0.6 ? { score: s, reason: 'given name spelled differently' } : { score: s * 0.5 };
}

function familyNameFit(printed: string, family: string): Part {
  if (printed === family) return { score: 1 };
  const s = similarity(printed, family);
  return s >= 0.7 ? { score: s, reason: 'family name spelled differently' } : { score: s * 0.5 };
}

interface NameFit {
  score: number;
  reasons: string[];
}

/** The given name weighs less: it is the one printed as an initial or a nickname. */
const familyWeight = 0.6;

function fitOrdered(tokens: string[], given: string[], family: string[]): NameFit {
  const first = tokens[0]!;
  // A family name of k words is the last k printed words; what sits between is middle names.
  const k = Math.min(family.length, tokens.length - 1);
  const printedFamily = tokens.slice(tokens.length - k).join(' ');
  const g = givenNameFit(first, given[0] ?? '');
  const f = familyNameFit(printedFamily, family.join(' '));
  const reasons = [g.reason, f.reason].filter((r): r is string => r !== undefined);
  return { score: familyWeight * f.score + (1 - familyWeight) * g.score, reasons };
}

/**
 * How well a printed name fits a resident, 0..1, trying the orders and joins labels show.
 * A short stray word in front ("SWE", "ON": the "SHIP TO" caption printed beside the name and
 * read into its line) is tried without, at a small cost, so it cannot hide a good fit.
 */
function nameFit(printed: string, firstName: string, lastName: string): NameFit {
  const { tokens, commaSwapped } = printedOrder(printed);
  const given = nameTokens(firstName);
  const family = nameTokens(lastName);
  if (tokens.length === 0 || given.length === 0 || family.length === 0) return { score: 0, reasons: [] };
  const fit = tokenFit(tokens, commaSwapped, given, family);
  if (commaSwapped || tokens.length < 3 || tokens[0]!.length > 5) return fit;
  const trimmed = tokenFit(tokens.slice(1), false, given, family);
  const discounted = { score: trimmed.score * 0.97, reasons: [`ignored "${tokens[0]}"`, ...trimmed.reasons] };
  return discounted.score > fit.score ? discounted : fit;
}

function tokenFit(tokens: string[], commaSwapped: boolean, given: string[], family: string[]): NameFit {
  const fits: NameFit[] = [];
  if (tokens.length === 1) {
    // One word: a family name alone ("BROWN") says something, a given name alone little.
    const only = tokens[0]!;
    const f = familyNameFit(only, family.join(' '));
    fits.push({ score: f.score * 0.7, reasons: ['family name only', ...(f.reason ? [f.reason] : [])] });
    const g = givenNameFit(only, given[0]!);
    fits.push({ score: g.score * 0.45, reasons: ['given name only'] });
  } else {
    const ordered = fitOrdered(tokens, given, family);
    if (commaSwapped) ordered.reasons.push('printed family name first');
    fits.push(ordered);
    // Printed the other way round without a comma: slightly less likely, so slightly less score.
    const swapped = fitOrdered([...tokens].reverse(), given, family);
    fits.push({
      score: swapped.score * 0.95,
      reasons: ['given and family names swapped', ...swapped.reasons],
    });
  }
  // OCR splits and joins words ("MAYABROWN", "MA YA BROWN"): compare the letters alone too.
  const joined = tokens.join('');
  const whole = similarity(joined, [...given, ...family].join(''));
  if (whole >= 0.8)
    fits.push({ score: whole * 0.97, reasons: whole < 1 ? ['letters match with OCR slips'] : [] });
  return fits.reduce((best, fit) => (fit.score > best.score ? fit : best));
}

interface IndexedResident extends ResidentRecord {
  unit: string | null;
}

const round = (n: number) => Math.round(n * 1000) / 1000;

/**
 * Ranks the building's residents against a label's printed name and unit. The name decides;
 * the unit confirms or separates people with similar names. A unit alone never makes a
 * confident match, because packages for a new roommate or a guest carry a real unit with a name
 * nobody registered.
 */
export function createResidentMatcher(
  residents: readonly ResidentRecord[],
  options: ResidentMatcherOptions = {},
): ResidentMatcher {
  const settings = residentMatcherOptionsSchema.parse(options);
  const indexed: IndexedResident[] = residents
    .filter((r) => r.active !== false)
    .map((r) => ({ ...r, unit: normalizeUnit(r.apartment) }));

  function score(resident: IndexedResident, name: string | null, unit: string | null): ResidentCandidate {
    const reasons: string[] = [];
    const nameScore = name
      ? nameFit(name, resident.firstName, resident.lastName)
      : { score: 0, reasons: ['no name printed'] };
    reasons.push(...nameScore.reasons);
    let unitScore: number | null = null;
    if (unit && resident.unit) {
      unitScore = unitSimilarity(unit, resident.unit);
      reasons.push(
        unitScore === 1
          ? 'unit matches'
          : unitScore > 0
            ? 'unit matches up to OCR confusions'
            : `label says unit ${unit}`,
      );
    } else if (!unit) {
      reasons.push('no unit printed');
    }
    let total: number;
    if (!name) total = 0.5 * (unitScore ?? 0);
    else if (unitScore === null) total = 0.92 * nameScore.score;
    else total = 0.75 * nameScore.score + 0.25 * unitScore;
    return {
      residentId: resident.id,
      firstName: resident.firstName,
      lastName: resident.lastName,
      apartment: resident.apartment,
      score: round(total),
      nameScore: round(nameScore.score),
      unitScore: unitScore === null ? null : round(unitScore),
      reasons,
    };
  }

  return {
    size: indexed.length,
    match({ name, unit }) {
      const cleanName = name && nameTokens(name).length > 0 ? name : null;
      const normalUnit = normalizeUnit(unit);
      if (!cleanName && !normalUnit)
        return { status: 'no_match', candidates: [], reason: 'the label shows neither a name nor a unit' };
      const floor = settings.minScore * 0.6;
      const ranked = indexed
        .map((r) => score(r, cleanName, normalUnit))
        .filter((c) => c.score >= floor)
        .sort((a, b) => b.score - a.score || a.lastName.localeCompare(b.lastName))
        .slice(0, settings.maxCandidates);
      const top = ranked[0];
      const printed = cleanName ?? `unit ${normalUnit}`;
      if (!top || top.score < settings.minScore) {
        return {
          status: 'no_match',
          candidates: ranked,
          reason: `nobody living here resembles "${printed}"`,
        };
      }
      const who = `${top.firstName} ${top.lastName} (${top.apartment})`;
      const runnerUp = ranked[1];
      if (top.score < settings.confidentScore) {
        return {
          status: 'uncertain',
          candidates: ranked,
          reason: `${who} fits "${printed}" only partly (score ${top.score})`,
        };
      }
      if (top.nameScore < settings.minNameScore) {
        return {
          status: 'uncertain',
          candidates: ranked,
          reason: `the name on the label does not fit ${who} well enough`,
        };
      }
      if (runnerUp && top.score - runnerUp.score < settings.minMargin) {
        return {
          status: 'uncertain',
          candidates: ranked,
          reason: `${who} and ${runnerUp.firstName} ${runnerUp.lastName} (${runnerUp.apartment}) fit "${printed}" almost equally`,
        };
      }
      return { status: 'confident', candidates: ranked, reason: `${who} fits "${printed}"` };
    },
  };
}
