import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import type { BuildingAddress } from '../../pipelines/labels/label-parser.ts';
import { formatTrackingNumber } from '../../pipelines/labels/tracking-numbers.ts';
import { hashSeed, type SeededRandom, seededRandom } from '../seeded-random.ts';
import { chooseService, drawTrackingNumber } from './carrier-services.ts';
import { drawLabel, type LabelContent } from './label-layouts.ts';
import { addressRecipient, defaultBuilding, defaultRoster, type RosterResident } from './label-recipients.ts';
import { shipmentDetails } from './label-shipment.ts';
import { paintBlackRects } from './label-svg.ts';
import {
  type LabelDifficulty,
  type LabelLayoutId,
  type LabelTruth,
  labelDifficulties,
  labelLayoutIds,
} from './label-truth.ts';
import { photographLabel } from './photo-effects.ts';
import { drawPhotoSettings, type PhotoSettings } from './photo-settings.ts';
import { pickWeighted } from './weighted-choice.ts';

export interface LabelOptions {
  seed: number;
  /** Position in the set, from 0; the label's id numbers from 1 ("label-0001"). */
  index: number;
  /** Who lives here; defaults to the demo residents. */
  roster?: readonly RosterResident[];
  building?: Readonly<BuildingAddress>;
  /** Only the photo depends on it: the same seed and index print the same label at every difficulty. */
  difficulty?: LabelDifficulty;
  /** Forces a carrier layout instead of the usual mix. */
  layout?: LabelLayoutId;
  /** Forces whether the tracking barcodes are covered (when they can be without hiding text). */
  barcodeOccluded?: boolean;
  /** Chance a label is for someone who does not live here; 0.05 unless set. */
  outsiderRate?: number;
}

export interface GeneratedLabel {
  /** The kiosk photo, JPEG. */
  image: Buffer;
  /** The label as printed, before any photo effect: greyscale PNG. */
  flat: Buffer;
  truth: LabelTruth;
}

/** How often each carrier's label reaches an American apartment building's package room. */
const layoutMix: ReadonlyArray<readonly [LabelLayoutId, number]> = [
  ['amazon', 0.28],
  ['ups', 0.24],
  ['usps', 0.24],
  ['fedex', 0.16],
  ['dhl', 0.08],
];

let demoRoster: RosterResident[] | undefined;

function rosterOrDemo(roster: readonly RosterResident[] | undefined): readonly RosterResident[] {
  if (roster) return roster;
  demoRoster ??= defaultRoster();
  return demoRoster;
}

export const labelId = (index: number) => `label-${String(index + 1).padStart(4, '0')}`;

function checkOptions(options: Omit<LabelOptions, 'index'>): void {
  const { seed, roster, building, difficulty, layout, outsiderRate } = options;
  if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be an integer, not ${seed}`);
  if (roster !== undefined) {
    if (roster.length === 0) throw new RangeError('roster is empty: labels need residents to address');
    roster.forEach((r, i) => {
      if (!r.firstName?.trim() || !r.lastName?.trim() || !r.apartment?.trim()) {
        throw new RangeError(`roster[${i}] needs a firstName, lastName and apartment`);
      }
    });
  }
  if (building !== undefined) {
    for (const field of ['street', 'city', 'state', 'zip'] as const) {
      if (!building[field]?.trim()) throw new RangeError(`building.${field} must not be empty`);
    }
    if (!/^\d{5}(-\d{4})?$/.test(building.zip))
      throw new RangeError(`building.zip "${building.zip}" is not a US ZIP code`);
  }
  if (difficulty !== undefined && !labelDifficulties.includes(difficulty)) {
    throw new RangeError(`difficulty must be one of ${labelDifficulties.join(', ')}, not "${difficulty}"`);
  }
  if (layout !== undefined && !labelLayoutIds.includes(layout)) {
    throw new RangeError(`layout must be one of ${labelLayoutIds.join(', ')}, not "${layout}"`);
  }
  if (outsiderRate !== undefined && !(outsiderRate >= 0 && outsiderRate <= 1)) {
    throw new RangeError(`outsiderRate must be between 0 and 1, not ${outsiderRate}`);
  }
}

/** Everything a label will be, decided before any pixel is drawn. */
export interface LabelPlan {
  seed: number;
  index: number;
  layout: LabelLayoutId;
  content: LabelContent;
  difficulty: LabelDifficulty;
  photo: PhotoSettings;
}

function labelRandom(seed: number, index: number): SeededRandom {
  return seededRandom(hashSeed(seed, 'label', index));
}

/**
 * Who the label is for, which carrier and number, and how it will be photographed: the cheap
 * part of `generateLabel`, with the same result for the same options, for statistics over many
 * labels. Each aspect draws from its own forked stream, so changing one (say, the photo
 * effects) leaves the others as they were.
 */
export function planLabel(options: LabelOptions): LabelPlan {
  checkOptions(options);
  const { seed, index } = options;
  if (!Number.isSafeInteger(index) || index < 0) {
    throw new RangeError(`index must be a whole number ≥ 0, not ${index}`);
  }
  const roster = rosterOrDemo(options.roster);
  const building = options.building ?? defaultBuilding;
  const difficulty = options.difficulty ?? 'realistic';
  const random = labelRandom(seed, index);

  const layout = options.layout ?? pickWeighted(random.fork('layout'), layoutMix);
  const contentRandom = random.fork('content');
  const letterCase = contentRandom.chance(layout === 'usps' ? 0.4 : 0.2) ? 'mixed' : 'upper';
  const service = chooseService(layout, contentRandom);
  const tracking = drawTrackingNumber(service, random.fork('tracking'));
  const recipient = addressRecipient(random.fork('recipient'), {
    roster,
    building,
    letterCase,
    outsiderRate: options.outsiderRate,
  });
  const shipment = shipmentDetails(random.fork('shipment'), letterCase);
  const printedTracking = formatTrackingNumber(tracking);
  const photo = drawPhotoSettings(difficulty, random.fork('photo-settings'));
  if (options.barcodeOccluded !== undefined) photo.occlude = options.barcodeOccluded;
  return {
    seed,
    index,
    layout,
    content: { service, tracking, printedTracking, recipient, shipment, building, letterCase },
    difficulty,
    photo,
  };
}

/**
 * One shipping label and its kiosk photo, with the ground truth. Deterministic: the same
 * options give the same bytes. Only the photo depends on the difficulty, so the same seed and
 * index print the same label at every difficulty.
 */
export async function generateLabel(options: LabelOptions): Promise<GeneratedLabel> {
  const plan = planLabel(options);
  const { seed, index, layout, content, difficulty } = plan;
  const random = labelRandom(seed, index);
  const drawn = drawLabel(layout, content, random.fork('drawing'));

  // Black on white: the red channel is the grey image, without a colourspace conversion.
  const rendered = await sharp(Buffer.from(drawn.svg))
    .extractChannel(0)
    .raw()
    .toBuffer({ resolveWithObject: true });
  const grey = {
    data: new Uint8Array(rendered.data.buffer, rendered.data.byteOffset, rendered.data.length),
    width: rendered.info.width,
    height: rendered.info.height,
    channels: 1 as const,
  };
  paintBlackRects(grey.data, grey.width, grey.height, drawn.blackRects);
  const flat = await sharp(rendered.data, { raw: { width: grey.width, height: grey.height, channels: 1 } })
    .png({ compressionLevel: 2 })
    .toBuffer();

  const photo = await photographLabel(
    { grey, protectedBoxes: drawn.protectedBoxes, barcodes: drawn.barcodes },
    plan.photo,
    random.fork('photo'),
  );

  const { nameLine: _n, streetLine: _s, cityLine: _c, phone: _p, ...recipient } = content.recipient;
  const truth: LabelTruth = {
    id: labelId(index),
    seed,
    index,
    layout,
    carrier: content.service.carrier,
    service: content.service.service,
    tracking: {
      scheme: content.tracking.scheme,
      value: content.tracking.value,
      printed: content.printedTracking,
    },
    recipient: { ...recipient, letterCase: content.letterCase, lines: drawn.recipientLines },
    sender: content.shipment.sender,
    difficulty,
    effects: photo.effects,
    barcodes: drawn.barcodes,
    readable: { recipient: true, trackingText: true, trackingBarcode: !photo.effects.barcodeOccluded },
    corners: photo.corners,
    imageWidth: photo.width,
    imageHeight: photo.height,
    flatWidth: grey.width,
    flatHeight: grey.height,
  };
  return { image: photo.jpeg, flat, truth };
}

export interface LabelSetOptions extends Omit<LabelOptions, 'index'> {
  count: number;
  /** Index of the first label; later sets can continue a earlier one. */
  startIndex?: number;
}

function checkSetOptions(options: LabelSetOptions): void {
  const { count, startIndex = 0 } = options;
  if (!Number.isSafeInteger(count) || count <= 0 || count > 100_000) {
    throw new RangeError(`count must be a whole number from 1 to 100000, not ${count}`);
  }
  if (!Number.isSafeInteger(startIndex) || startIndex < 0) {
    throw new RangeError(`startIndex must be a whole number ≥ 0, not ${startIndex}`);
  }
  checkOptions(options);
}

/** Labels `startIndex`, `startIndex + 1`, … one at a time, so a large set never sits in memory. */
export async function* generateLabelSet(options: LabelSetOptions): AsyncGenerator<GeneratedLabel> {
  checkSetOptions(options);
  const { count, startIndex = 0, ...rest } = options;
  for (let i = 0; i < count; i++) yield await generateLabel({ ...rest, index: startIndex + i });
}

export interface LabelSetIndexEntry {
  id: string;
  image: string;
  truth: string;
  flat?: string;
  layout: LabelLayoutId;
  carrier: string;
  tracking: string;
  residentIndex: number | null;
  barcodeOccluded: boolean;
}

export interface LabelSetIndex {
  seed: number;
  difficulty: LabelDifficulty;
  count: number;
  building: Readonly<BuildingAddress>;
  labels: LabelSetIndexEntry[];
}

export interface WriteLabelSetOptions extends LabelSetOptions {
  /** Also write each flat label as label-0001.flat.png. */
  flat?: boolean;
}

/**
 * Writes label-0001.jpg and label-0001.json (its truth) for each label, and labels.json listing
 * them all, into `dir` (created if missing). Returns what labels.json holds.
 */
export async function writeLabelSet(dir: string, options: WriteLabelSetOptions): Promise<LabelSetIndex> {
  checkSetOptions(options);
  await mkdir(dir, { recursive: true });
  const { flat: writeFlat = false, ...setOptions } = options;
  const labels: LabelSetIndexEntry[] = [];
  for await (const { image, flat, truth } of generateLabelSet(setOptions)) {
    const entry: LabelSetIndexEntry = {
      id: truth.id,
      image: `${truth.id}.jpg`,
      truth: `${truth.id}.json`,
      layout: truth.layout,
      carrier: truth.carrier,
      tracking: truth.tracking.value,
      residentIndex: truth.recipient.residentIndex,
      barcodeOccluded: truth.effects.barcodeOccluded,
    };
    await writeFile(join(dir, entry.image), image);
    await writeFile(join(dir, entry.truth), `${JSON.stringify(truth, null, 2)}\n`);
    if (writeFlat) {
      entry.flat = `${truth.id}.flat.png`;
      await writeFile(join(dir, entry.flat), flat);
    }
    labels.push(entry);
  }
  const index: LabelSetIndex = {
    seed: options.seed,
    difficulty: options.difficulty ?? 'realistic',
    count: labels.length,
    building: options.building ?? defaultBuilding,
    labels,
  };
  await writeFile(join(dir, 'labels.json'), `${JSON.stringify(index, null, 2)}\n`);
  return index;
}
