import {
  type CarrierId,
  generateTrackingNumber,
  parseTrackingNumber,
  type TrackingNumber,
  trackingFormats,
} from '../../pipelines/labels/tracking-numbers.ts';
import type { SeededRandom } from '../seeded-random.ts';
import type { LabelLayoutId } from './label-truth.ts';
import { pickWeighted } from './weighted-choice.ts';

/** A carrier's service and the numbering scheme its labels carry. */
export interface CarrierService {
  carrier: CarrierId;
  /** As printed in the label's service band. */
  service: string;
  scheme: string;
}

const services: Record<LabelLayoutId, ReadonlyArray<readonly [CarrierService, number]>> = {
  ups: [
    [{ carrier: 'ups', service: 'UPS GROUND', scheme: 'UPS 1Z' }, 0.6],
    [{ carrier: 'ups', service: 'UPS NEXT DAY AIR', scheme: 'UPS 1Z' }, 0.15],
    [{ carrier: 'ups', service: 'UPS 2ND DAY AIR', scheme: 'UPS 1Z' }, 0.15],
    [{ carrier: 'ups', service: 'UPS 3 DAY SELECT', scheme: 'UPS 1Z' }, 0.1],
  ],
  fedex: [
    [{ carrier: 'fedex', service: 'FEDEX GROUND', scheme: 'FedEx Ground' }, 0.35],
    [{ carrier: 'fedex', service: 'FEDEX HOME DELIVERY', scheme: 'FedEx Ground' }, 0.2],
    [{ carrier: 'fedex', service: 'PRIORITY OVERNIGHT', scheme: 'FedEx Express' }, 0.15],
    [{ carrier: 'fedex', service: 'STANDARD OVERNIGHT', scheme: 'FedEx Express' }, 0.1],
    [{ carrier: 'fedex', service: 'FEDEX 2DAY', scheme: 'FedEx Express' }, 0.12],
    [{ carrier: 'fedex', service: 'FEDEX EXPRESS SAVER', scheme: 'FedEx Express' }, 0.08],
  ],
  usps: [
    [{ carrier: 'usps', service: 'USPS PRIORITY MAIL', scheme: 'USPS IMpb' }, 0.45],
    [{ carrier: 'usps', service: 'USPS GROUND ADVANTAGE', scheme: 'USPS IMpb' }, 0.35],
    [{ carrier: 'usps', service: 'USPS GROUND ADVANTAGE', scheme: 'USPS IMpb (20)' }, 0.08],
    [{ carrier: 'usps', service: 'USPS PRIORITY MAIL EXPRESS', scheme: 'UPU S10' }, 0.12],
  ],
  amazon: [[{ carrier: 'amazon', service: 'AMAZON SHIPPING', scheme: 'Amazon TBA' }, 1]],
  dhl: [
    [{ carrier: 'dhl', service: 'EXPRESS DOMESTIC', scheme: 'DHL Express' }, 0.6],
    [{ carrier: 'dhl', service: 'EXPRESS 12:00', scheme: 'DHL Express' }, 0.25],
    [{ carrier: 'dhl', service: 'EXPRESS 9:00', scheme: 'DHL Express' }, 0.15],
  ],
};

export function chooseService(layout: LabelLayoutId, random: SeededRandom): CarrierService {
  return pickWeighted(random, services[layout]);
}

/**
 * A valid number for the service. Priority Mail Express uses S10 numbers that start with "E"
 * and end in "US"; other S10 prefixes belong to international mail.
 */
export function drawTrackingNumber(service: CarrierService, random: SeededRandom): TrackingNumber {
  const drawn = generateTrackingNumber(service.scheme, random.float);
  if (service.scheme !== 'UPU S10') return drawn;
  const format = trackingFormats.find((f) => f.scheme === 'UPU S10')!;
  const second = String.fromCharCode(65 + random.int(0, 25));
  const value = format.complete(`E${second}${drawn.value.slice(2, 10)}US`);
  const parsed = parseTrackingNumber(value, 'usps');
  if (!parsed) throw new Error(`drew an invalid S10 number ${value}`);
  return parsed;
}

const digits = (random: SeededRandom, count: number) => {
  let out = '';
  for (let i = 0; i < count; i++) out += String(random.int(0, 9));
  return out;
};

/**
 * The payload of the carrier's main linear barcode. USPS wraps IMpb numbers in GS1-128 with the
 * destination ZIP as AI 420; FedEx puts routing digits in front (22 digits starting "96" for
 * Ground, 34 digits for Express); the others encode the number as it is.
 */
export function trackingBarcodePayload(tracking: TrackingNumber, zip: string, random: SeededRandom): string {
  const zipDigits = zip.replace(/\D/g, '');
  switch (tracking.scheme) {
    case 'USPS IMpb':
    case 'USPS IMpb (20)':
      return `(420)${zipDigits}(${tracking.value.slice(0, 2)})${tracking.value.slice(2)}`;
    case 'FedEx Ground':
      return `96${digits(random, 5)}${tracking.value}`;
    case 'FedEx Express':
      return `${digits(random, 22)}${tracking.value}`;
    default:
      return tracking.value;
  }
}

/** The bwip-js symbology of the main linear barcode. */
export const trackingBarcodeKind = (tracking: TrackingNumber) =>
  tracking.scheme.startsWith('USPS IMpb') ? ('gs1-128' as const) : ('code128' as const);

const gs = '\u001d';
const rs = '\u001e';

/** FedEx's PDF417 in the ANSI MH10.8.3 layout: ZIP, country, service, tracking number, weight, address. */
export function fedexPdf417Payload(input: {
  tracking: string;
  zip: string;
  account: string;
  weightLb: number;
  street: string;
  city: string;
  state: string;
  name: string;
  random: SeededRandom;
}): string {
  const fields = [
    `[)>${rs}01`,
    `02${input.zip.replace(/\D/g, '').slice(0, 5)}`,
    '840',
    String(input.random.int(1, 92)).padStart(2, '0'),
    input.tracking,
    'FDEB',
    input.account,
    String(input.random.int(1, 365)).padStart(3, '0'),
    '',
    '1/1',
    `${input.weightLb.toFixed(1)}LB`,
    'N',
    input.street.toUpperCase(),
    input.city.toUpperCase(),
    input.state,
    input.name.toUpperCase(),
  ];
  return `${fields.join(gs)}${rs}\u0004`;
}
