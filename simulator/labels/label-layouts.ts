import type { BuildingAddress } from '../../pipelines/labels/label-parser.ts';
import type { TrackingNumber } from '../../pipelines/labels/tracking-numbers.ts';
import type { SeededRandom } from '../seeded-random.ts';
import {
  type CarrierService,
  fedexPdf417Payload,
  trackingBarcodeKind,
  trackingBarcodePayload,
} from './carrier-services.ts';
import { type BarcodeSymbol, fitLinearBarcode, renderBarcode } from './label-barcodes.ts';
import type { AddressedRecipient, LetterCase } from './label-recipients.ts';
import { addDays, carrierDate, type ShipmentDetails } from './label-shipment.ts';
import { LabelCanvas, type LabelFont, type TextStyle } from './label-svg.ts';
import type { BarcodeTruth, LabelBox, LabelLayoutId } from './label-truth.ts';

/** A 4×6 inch thermal label at 200 dpi. */
export const labelWidthPx = 800;
export const labelHeightPx = 1200;

/** What goes on a label; the layout decides where. */
export interface LabelContent {
  service: CarrierService;
  tracking: TrackingNumber;
  printedTracking: string;
  recipient: AddressedRecipient;
  shipment: ShipmentDetails;
  building: Readonly<BuildingAddress>;
  letterCase: LetterCase;
}

export interface DrawnLabel {
  svg: string;
  width: number;
  height: number;
  /** Barcodes and dot patterns: black `x y width height` rectangles to paint over the rendered SVG. */
  blackRects: number[];
  /** The recipient's address block, line by line, as printed. */
  recipientLines: string[];
  /**
   * Where the name, unit and address, the printed tracking number and the carrier's name are:
   * photo effects keep occluders off these and glare from washing them out, so that the text
   * a person needs is always there to read.
   */
  protectedBoxes: LabelBox[];
  barcodes: BarcodeTruth[];
}

type LayoutDrawer = (content: LabelContent, random: SeededRandom) => DrawnLabel;

const margin = 24;
const right = labelWidthPx - margin;

/** Sans faces vary by the shipping software that printed the label. */
const pickSans = (random: SeededRandom): LabelFont =>
  random.pick(['DejaVu Sans', 'Liberation Sans'] as const);

/** bwip-js takes Latin-1 in byte mode; accents are dropped as carriers' systems do. */
const ascii = (text: string) => text.normalize('NFD').replace(/[^\x20-\x7e]/g, '');

interface AddressLine {
  text: string;
  role: 'extra' | 'name' | 'phone' | 'street' | 'unit' | 'city' | 'country';
}

function addressLines(
  recipient: AddressedRecipient,
  phone: 'after-name' | 'after-city' | 'none',
  country?: string,
): AddressLine[] {
  const lines: AddressLine[] = [];
  if (recipient.extraLine) lines.push({ text: recipient.extraLine.text, role: 'extra' });
  lines.push({ text: recipient.nameLine, role: 'name' });
  if (recipient.phone && phone === 'after-name') lines.push({ text: recipient.phone, role: 'phone' });
  lines.push({ text: recipient.streetLine, role: 'street' });
  if (recipient.unitPlacement === 'own-line' && recipient.printedUnit) {
    lines.push({ text: recipient.printedUnit, role: 'unit' });
  }
  lines.push({ text: recipient.cityLine, role: 'city' });
  if (country) lines.push({ text: country, role: 'country' });
  if (recipient.phone && phone === 'after-city') lines.push({ text: recipient.phone, role: 'phone' });
  return lines;
}

interface BlockStyle {
  font: LabelFont;
  size: number;
  nameSize: number;
  nameBold: boolean;
  bold?: boolean;
}

/**
 * Draws an address block from the first baseline down, shrinking every line together when the
 * block would run past `maxBottom`; returns the boxes of its lines.
 */
function drawAddressBlock(
  canvas: LabelCanvas,
  x: number,
  firstBaseline: number,
  lines: readonly AddressLine[],
  style: BlockStyle,
  maxWidth: number,
  maxBottom: number,
): LabelBox[] {
  const natural = lines.reduce((sum, l) => sum + (l.role === 'name' ? style.nameSize : style.size) * 1.2, 0);
  const shrink = Math.min(1, (maxBottom - firstBaseline + style.nameSize) / natural);
  let y = firstBaseline;
  const boxes: LabelBox[] = [];
  lines.forEach((line, i) => {
    const isName = line.role === 'name';
    const size = Math.floor((isName ? style.nameSize : style.size) * shrink);
    if (i > 0) y += size * 1.2;
    const textStyle: TextStyle = { font: style.font, size, bold: isName ? style.nameBold : style.bold };
    boxes.push(canvas.text(x, y, line.text, textStyle, { maxWidth }));
    if (isName) y += size * 0.05;
  });
  return boxes;
}

function place(
  canvas: LabelCanvas,
  symbol: BarcodeSymbol,
  x: number,
  y: number,
  carriesTracking: boolean,
): BarcodeTruth {
  return { kind: symbol.kind, payload: symbol.payload, carriesTracking, box: canvas.barcode(symbol, x, y) };
}

/** A linear barcode centred across the label between two rules. */
function placeCentred(
  canvas: LabelCanvas,
  symbol: BarcodeSymbol,
  y: number,
  carriesTracking: boolean,
): BarcodeTruth {
  return place(canvas, symbol, Math.round((labelWidthPx - symbol.width) / 2), y, carriesTracking);
}

function trackingSymbol(
  content: LabelContent,
  random: SeededRandom,
  height: number,
  maxWidth = 720,
): BarcodeSymbol {
  const payload = trackingBarcodePayload(content.tracking, content.building.zip, random);
  return fitLinearBarcode(trackingBarcodeKind(content.tracking), payload, maxWidth, height);
}

const upper = (text: string) => text.toUpperCase();

/** Three letters of the city, as carriers' sort codes use. */
const cityCode = (city: string) =>
  upper(city)
    .replace(/[^A-Z]/g, '')
    .slice(0, 3)
    .padEnd(3, 'X');

function senderLines(shipment: ShipmentDetails, withPhone: boolean): string[] {
  const { sender } = shipment;
  const lines = [sender.lines[0]!];
  if (withPhone && sender.phone) lines.push(sender.phone);
  return [...lines, ...sender.lines.slice(1)];
}

function weightText(weightLb: number, unit: 'LBS' | 'LB'): string {
  return `${weightLb < 1 ? weightLb.toFixed(1) : Math.ceil(weightLb)} ${unit}`;
}

/** A MaxiCode-like patch: a bullseye in a field of dots, as UPS prints; not meant to decode. */
function drawMaxiCodePatch(
  canvas: LabelCanvas,
  x: number,
  y: number,
  size: number,
  random: SeededRandom,
): void {
  const cell = 7;
  const cx = x + size / 2;
  const cy = y + size / 2;
  for (let row = 0; row * cell < size - cell; row++) {
    for (let col = 0; col * cell < size - cell; col++) {
      const px = x + col * cell + (row % 2) * (cell / 2);
      const py = y + row * cell;
      if (Math.hypot(px - cx, py - cy) < size * 0.2) continue;
      if (random.chance(0.45)) canvas.dot(px, py, 5, 5);
    }
  }
  for (const r of [size * 0.05, size * 0.1, size * 0.15]) canvas.circle(cx, cy, r, size * 0.025);
}

const drawUps: LayoutDrawer = (content, random) => {
  const { recipient, shipment, building, service } = content;
  const canvas = new LabelCanvas(labelWidthPx, labelHeightPx);
  const sans = pickSans(random);
  const small: TextStyle = { font: sans, size: 22 };
  const protectedBoxes: LabelBox[] = [];

  senderLines(shipment, true).forEach((line, i) => {
    canvas.text(margin, 46 + i * 27, line, small, { maxWidth: 430 });
  });
  canvas.text(right, 54, weightText(shipment.weightLb, 'LBS'), {
    font: sans,
    size: 34,
    bold: true,
    anchor: 'end',
  });
  canvas.text(right, 94, '1 OF 1', { font: sans, size: 28, bold: true, anchor: 'end' });
  const detail: TextStyle = { font: 'Liberation Mono', size: 20, anchor: 'end' };
  canvas.text(
    right,
    160,
    `SHP#: ${random.int(1000, 9999)} ${random.int(1000, 9999)} ${random.int(100, 999)}`,
    detail,
  );
  canvas.text(right, 186, `SHP WT: ${weightText(shipment.weightLb, 'LBS')}`, detail);
  canvas.text(right, 212, `DATE: ${carrierDate(shipment.shipDate, 'spaced')}`, detail);

  const label: TextStyle = { font: sans, size: 24, bold: true };
  protectedBoxes.push(canvas.text(margin, 282, 'SHIP', label), canvas.text(margin, 310, 'TO:', label));
  const nameBold = random.chance(0.6);
  const block = addressLines(recipient, random.chance(0.5) ? 'after-name' : 'none');
  protectedBoxes.push(
    ...drawAddressBlock(
      canvas,
      118,
      288,
      block,
      { font: sans, size: random.int(32, 36), nameSize: random.int(36, 42), nameBold },
      right - 118,
      525,
    ),
  );
  canvas.rule(548, 6);

  drawMaxiCodePatch(canvas, margin, 566, 200, random);
  const zip3 = building.zip.slice(0, 3);
  canvas.text(260, 640, `${upper(building.state)} ${zip3} ${random.int(0, 9)}-${random.int(1, 99)}`, {
    font: sans,
    size: 60,
    bold: true,
  });
  const barcodes: BarcodeTruth[] = [];
  const postal = fitLinearBarcode('code128', `420${building.zip.replace(/\D/g, '').slice(0, 5)}`, 480, 96, 3);
  barcodes.push(place(canvas, postal, 270, 668, false));
  canvas.rule(790, 8);

  protectedBoxes.push(
    canvas.text(margin, 866, service.service, { font: sans, size: 52, bold: true }, { maxWidth: 620 }),
  );
  const level = { 'UPS NEXT DAY AIR': '1', 'UPS 2ND DAY AIR': '2', 'UPS 3 DAY SELECT': '3' }[service.service];
  canvas.rect({ x: right - 92, y: 804, width: 92, height: 88 });
  if (level)
    canvas.text(right - 46, 876, level, { font: sans, size: 72, bold: true, anchor: 'middle', fill: '#fff' });
  protectedBoxes.push(
    canvas.text(
      margin,
      936,
      `TRACKING #: ${content.printedTracking}`,
      { font: sans, size: 30, bold: true },
      { maxWidth: 752 },
    ),
  );
  canvas.rule(956, 3);
  barcodes.push(placeCentred(canvas, trackingSymbol(content, random, 140), 974, true));
  canvas.rule(1132, 6);
  canvas.text(margin, 1162, 'BILLING: P/P', small);
  canvas.text(margin, 1188, `REF 1: ${shipment.reference}`, small, { maxWidth: 500 });
  canvas.text(right, 1188, `XOL 25.${random.int(1, 12)}.${random.int(10, 28)}  WNTIC${random.int(10, 99)}`, {
    font: sans,
    size: 16,
    anchor: 'end',
  });
  return finish(canvas, protectedBoxes, barcodes, block);
};

const drawFedex: LayoutDrawer = (content, random) => {
  const { recipient, shipment, building, service, tracking } = content;
  const canvas = new LabelCanvas(labelWidthPx, labelHeightPx);
  const sans = pickSans(random);
  const small: TextStyle = { font: sans, size: 21 };
  const protectedBoxes: LabelBox[] = [];
  const { sender } = shipment;

  const origin = `ORIGIN ID:${cityCode(sender.city)}A  ${sender.phone ?? ''}`.trim();
  [origin, ...sender.lines, 'UNITED STATES US'].forEach((line, i) => {
    canvas.text(margin, 44 + i * 27, line, small, { maxWidth: 420 });
  });
  const dims = shipment.dimsIn.join('x');
  [
    `SHIP DATE: ${carrierDate(shipment.shipDate, 'compact')}`,
    `ACTWGT: ${shipment.weightLb.toFixed(2)} LB`,
    `CAD: ${shipment.account}/INET45${random.int(10, 90)}`,
    `DIMS: ${dims} IN`,
    'BILL SENDER',
  ].forEach((line, i) => {
    canvas.text(470, 44 + i * 27, line, small, { maxWidth: 306 });
  });

  protectedBoxes.push(canvas.text(margin, 300, 'TO', { font: sans, size: 34, bold: true }));
  const nameBold = random.chance(0.5);
  const block = addressLines(recipient, random.chance(0.6) ? 'after-city' : 'none');
  protectedBoxes.push(
    ...drawAddressBlock(
      canvas,
      92,
      300,
      block,
      {
        font: sans,
        size: random.int(32, 36),
        nameSize: random.int(34, 40),
        nameBold,
        bold: random.chance(0.3),
      },
      right - 92,
      548,
    ),
  );
  canvas.text(margin, 582, `INV: ${shipment.invoice}   PO: ${shipment.reference}   DEPT:`, small, {
    maxWidth: 752,
  });
  canvas.rule(600, 4);

  const ground = tracking.scheme === 'FedEx Ground';
  protectedBoxes.push(
    canvas.text(margin, 692, 'FedEx', { font: sans, size: 72, bold: true }),
    canvas.text(margin + 4, 738, ground ? 'Ground' : 'Express', { font: sans, size: 34, bold: true }),
  );
  const pdf = renderBarcode(
    'pdf417',
    fedexPdf417Payload({
      tracking: tracking.value,
      zip: building.zip,
      account: shipment.account,
      weightLb: shipment.weightLb,
      street: ascii(recipient.streetLine),
      city: ascii(recipient.city),
      state: recipient.state,
      name: ascii(recipient.printedName),
      random,
    }),
    { modulePx: 2 },
  );
  const barcodes: BarcodeTruth[] = [place(canvas, pdf, right - pdf.width, 616, true)];
  canvas.rule(790, 4);
  barcodes.push(placeCentred(canvas, trackingSymbol(content, random, 160, 752), 806, true));

  protectedBoxes.push(
    canvas.text(margin, 1010, 'TRK#', { font: sans, size: 24, bold: true }),
    canvas.text(110, 1034, content.printedTracking, { font: sans, size: 44, bold: true }, { maxWidth: 380 }),
    canvas.text(
      right,
      1006,
      service.service,
      { font: sans, size: 28, bold: true, anchor: 'end' },
      { maxWidth: 200 },
    ),
  );
  canvas.text(margin, 1040, '0201', { font: sans, size: 20 });
  const deliver = addDays(shipment.shipDate, ground ? random.int(2, 5) : 1);
  canvas.text(right, 1040, `${carrierDate(deliver, 'weekday')}${ground ? '' : ' 10:30A'}`, {
    font: sans,
    size: 22,
    bold: true,
    anchor: 'end',
  });
  canvas.rule(1060, 4);
  const cc = cityCode(building.city);
  canvas.text(margin, 1124, `X${String.fromCharCode(65 + random.int(0, 25))} ${cc}A`, {
    font: sans,
    size: 48,
    bold: true,
  });
  canvas.text(right, 1118, `${building.zip.slice(0, 5)} ${upper(building.state)}-US`, {
    font: sans,
    size: 38,
    bold: true,
    anchor: 'end',
  });
  canvas.text(right, 1176, cc, { font: sans, size: 48, bold: true, anchor: 'end' });
  return finish(canvas, protectedBoxes, barcodes, block);
};

const drawUsps: LayoutDrawer = (content, random) => {
  const { recipient, shipment, service, tracking, building } = content;
  const canvas = new LabelCanvas(labelWidthPx, labelHeightPx);
  const sans = pickSans(random);
  const protectedBoxes: LabelBox[] = [];

  const express = service.service.includes('EXPRESS');
  const priority = service.service.includes('PRIORITY');
  canvas.rect({ x: margin, y: margin, width: 176, height: 176 }, { stroke: 5 });
  canvas.text(margin + 88, 180, express ? 'E' : priority ? 'P' : 'G', {
    font: 'DejaVu Sans',
    size: 150,
    bold: true,
    anchor: 'middle',
  });
  const postage: TextStyle = { font: sans, size: 22 };
  [
    'US POSTAGE AND FEES PAID',
    `${carrierDate(shipment.shipDate, 'iso')}   ZONE ${random.int(1, 9)}`,
    `From ${shipment.sender.zip}`,
    `${shipment.weightLb.toFixed(1)} lb  $${random.between(6, 48).toFixed(2)}`,
    'Commercial',
    `062S${shipment.account}${random.int(10, 99)}`,
  ].forEach((line, i) => {
    canvas.text(228, 52 + i * 28, line, i === 0 ? { ...postage, bold: true } : postage, { maxWidth: 540 });
  });

  canvas.rect({ x: 0, y: 220, width: labelWidthPx, height: 78 });
  protectedBoxes.push(
    canvas.text(
      labelWidthPx / 2,
      274,
      service.service,
      { font: sans, size: 40, bold: true, anchor: 'middle', fill: '#fff' },
      { maxWidth: 752 },
    ),
  );

  const small: TextStyle = { font: sans, size: 22 };
  senderLines(shipment, false).forEach((line, i) => {
    canvas.text(margin, 340 + i * 28, line, small, { maxWidth: 500 });
  });
  const zipDigits = building.zip.replace(/\D/g, '');
  const matrix = renderBarcode(
    'datamatrix',
    `IMPB|420${zipDigits}|${tracking.value}|${shipment.weightLb.toFixed(1)}|${carrierDate(shipment.shipDate, 'iso')}`,
    { modulePx: 5 },
  );
  const barcodes: BarcodeTruth[] = [place(canvas, matrix, right - matrix.width, 318, true)];
  canvas.text(right - matrix.width / 2, 318 + matrix.height + 26, `C0${random.int(10, 99)}`, {
    font: sans,
    size: 20,
    anchor: 'middle',
  });
  canvas.text(
    margin,
    460,
    `Expected Delivery Date: ${carrierDate(addDays(shipment.shipDate, random.int(1, 5)), 'us')}`,
    small,
  );

  const label: TextStyle = { font: sans, size: 22, bold: true };
  protectedBoxes.push(canvas.text(margin, 548, 'SHIP', label), canvas.text(margin, 574, 'TO:', label));
  const nameBold = random.chance(0.4);
  const block = addressLines(recipient, 'none');
  protectedBoxes.push(
    ...drawAddressBlock(
      canvas,
      110,
      554,
      block,
      { font: sans, size: random.int(32, 36), nameSize: random.int(34, 40), nameBold },
      right - 110,
      770,
    ),
  );
  canvas.rule(792, 6);

  const header = express ? 'USPS TRACKING # E' : priority ? 'USPS TRACKING # EP' : 'USPS TRACKING #';
  protectedBoxes.push(
    canvas.text(labelWidthPx / 2, 838, header, { font: sans, size: 28, bold: true, anchor: 'middle' }),
  );
  barcodes.push(placeCentred(canvas, trackingSymbol(content, random, 160, 740), 856, true));
  protectedBoxes.push(
    canvas.text(labelWidthPx / 2, 1062, content.printedTracking, {
      font: sans,
      size: 32,
      bold: true,
      anchor: 'middle',
    }),
  );
  canvas.rule(1086, 6);
  canvas.text(labelWidthPx / 2, 1136, `Electronic Rate Approved #0${shipment.account}${random.int(10, 99)}`, {
    font: sans,
    size: 20,
    anchor: 'middle',
  });
  return finish(canvas, protectedBoxes, barcodes, block);
};

const drawAmazon: LayoutDrawer = (content, random) => {
  const { recipient, shipment, building, tracking } = content;
  const canvas = new LabelCanvas(labelWidthPx, labelHeightPx);
  const sans = pickSans(random);
  const protectedBoxes: LabelBox[] = [];
  const station = `${cityCode(building.city)}${random.int(1, 9)}`;
  const cycle = random.int(1, 3);
  const qr = renderBarcode(
    'qrcode',
    `AMZN|${station}|C${cycle}|${random.int(100000, 999999)}|${shipment.shipDate.toISOString().slice(0, 10)}`,
    { modulePx: 7 },
  );
  const barcodes: BarcodeTruth[] = [place(canvas, qr, margin, margin, false)];
  const routeX = margin + qr.width + 30;
  canvas.text(routeX, 112, station, { font: sans, size: 92, bold: true });
  canvas.text(routeX, 170, `CYCLE ${cycle}`, { font: sans, size: 40, bold: true });
  canvas.text(
    right,
    112,
    `${String.fromCharCode(65 + random.int(0, 6))}-${random.int(1, 30)}.${random.int(1, 9)}`,
    {
      font: sans,
      size: 44,
      bold: true,
      anchor: 'end',
    },
  );
  canvas.rule(244, 6);
  const block = addressLines(recipient, 'none');

  protectedBoxes.push(
    ...drawAddressBlock(
      canvas,
      margin + 8,
      300,
      block,
      {
        font: sans,
        size: random.int(34, 38),
        nameSize: random.int(40, 46),
        nameBold: true,
        bold: random.chance(0.5),
      },
      right - margin - 8,
      540,
    ),
  );
  canvas.rule(566, 4);
  barcodes.push(placeCentred(canvas, fitLinearBarcode('code128', tracking.value, 700, 190, 4), 590, true));
  protectedBoxes.push(
    canvas.text(labelWidthPx / 2, 840, content.printedTracking, {
      font: sans,
      size: 44,
      bold: true,
      anchor: 'middle',
    }),
  );
  canvas.rule(872, 3);

  const small: TextStyle = { font: sans, size: 20 };
  canvas.text(margin, 906, 'RETURN TO:', { ...small, bold: true });
  shipment.sender.lines.forEach((line, i) => {
    canvas.text(margin, 932 + i * 25, line, small, { maxWidth: 440 });
  });
  canvas.text(margin, 1040, `Order: ${shipment.reference}`, small, { maxWidth: 440 });
  canvas.text(
    margin,
    1066,
    `${shipment.weightLb.toFixed(1)} lb   ${carrierDate(shipment.shipDate, 'weekday')}`,
    small,
  );
  protectedBoxes.push(
    canvas.text(right, 1160, 'amazon', { font: sans, size: 56, bold: true, anchor: 'end' }),
  );
  canvas.raw(`<path d="M${right - 170} 1170 q80 30 150 -6" fill="none" stroke="#000" stroke-width="6"/>`);
  canvas.text(right, 1050, '1/1', { font: sans, size: 36, bold: true, anchor: 'end' });
  return finish(canvas, protectedBoxes, barcodes, block);
};

const dhlProductCodes: Record<string, string> = {
  'EXPRESS DOMESTIC': 'DOM',
  'EXPRESS 12:00': 'T',
  'EXPRESS 9:00': 'K',
};

const drawDhl: LayoutDrawer = (content, random) => {
  const { recipient, shipment, building, service } = content;
  const canvas = new LabelCanvas(labelWidthPx, labelHeightPx);
  const sans = pickSans(random);
  const protectedBoxes: LabelBox[] = [];

  protectedBoxes.push(
    canvas.text(margin, 104, 'DHL', { font: 'DejaVu Sans', size: 88, bold: true, oblique: true }),
    canvas.text(300, 66, service.service, { font: sans, size: 32, bold: true }, { maxWidth: 340 }),
  );
  canvas.rect({ x: right - 124, y: margin, width: 124, height: 110 });
  canvas.text(right - 62, 100, dhlProductCodes[service.service] ?? 'DOM', {
    font: sans,
    size: 48,
    bold: true,
    anchor: 'middle',
    fill: '#fff',
  });
  canvas.text(300, 112, `Origin: ${cityCode(shipment.sender.city)}`, { font: sans, size: 24 });
  canvas.rule(150, 5);

  const small: TextStyle = { font: sans, size: 22 };
  canvas.text(margin, 186, 'From:', { ...small, bold: true });
  senderLines(shipment, true).forEach((line, i) => {
    canvas.text(104, 186 + i * 27, line, small, { maxWidth: 672 });
  });
  canvas.rule(310, 2);

  const block = addressLines(recipient, 'after-city', random.chance(0.5) ? 'UNITED STATES' : undefined);
  protectedBoxes.push(canvas.text(margin, 356, 'To:', { font: sans, size: 28, bold: true }));
  protectedBoxes.push(
    ...drawAddressBlock(
      canvas,
      104,
      356,
      block,
      { font: sans, size: random.int(32, 36), nameSize: random.int(36, 40), nameBold: random.chance(0.7) },
      right - 104,
      614,
    ),
  );
  canvas.rule(632, 5);
  const cc = cityCode(building.city);
  canvas.text(margin, 700, `US-${cc}-${cc}`, { font: sans, size: 58, bold: true });
  canvas.text(right, 700, `${building.zip.slice(0, 5)}`, { font: sans, size: 36, bold: true, anchor: 'end' });
  canvas.text(
    margin,
    746,
    `Ref: ${shipment.reference}   Date: ${carrierDate(shipment.shipDate, 'iso')}`,
    small,
    {
      maxWidth: 752,
    },
  );
  canvas.text(
    margin,
    774,
    `Pcs 1/1   Weight: ${shipment.weightLb.toFixed(1)} lb   Contents: ${random.pick(['Documents', 'Merchandise', 'Parts', 'Samples'])}`,
    small,
    { maxWidth: 752 },
  );
  canvas.rule(794, 3);
  protectedBoxes.push(
    canvas.text(margin, 840, `WAYBILL ${content.printedTracking}`, { font: sans, size: 32, bold: true }),
  );
  const barcodes: BarcodeTruth[] = [
    placeCentred(canvas, trackingSymbol(content, random, 160, 600), 860, true),
  ];
  canvas.rule(1038, 2);
  const plate = `JJD01${digits(random, 16)}`;
  barcodes.push(placeCentred(canvas, fitLinearBarcode('code128', plate, 600, 96, 3), 1054, false));
  canvas.text(
    labelWidthPx / 2,
    1180,
    `(J) ${plate.slice(1, 5)} ${plate.slice(5, 9)} ${plate.slice(9, 13)} ${plate.slice(13, 17)} ${plate.slice(17)}`,
    {
      font: sans,
      size: 22,
      anchor: 'middle',
    },
  );
  return finish(canvas, protectedBoxes, barcodes, block);
};

const digits = (random: SeededRandom, count: number) => {
  let out = '';
  for (let i = 0; i < count; i++) out += String(random.int(0, 9));
  return out;
};

function finish(
  canvas: LabelCanvas,
  protectedBoxes: LabelBox[],
  barcodes: BarcodeTruth[],
  block: readonly AddressLine[],
): DrawnLabel {
  return {
    svg: canvas.toSvg(),
    blackRects: canvas.blackRects,
    width: canvas.width,
    height: canvas.height,
    recipientLines: block.map((line) => line.text),
    protectedBoxes,
    barcodes,
  };
}

export const labelLayouts: Readonly<Record<LabelLayoutId, LayoutDrawer>> = {
  ups: drawUps,
  fedex: drawFedex,
  usps: drawUsps,
  amazon: drawAmazon,
  dhl: drawDhl,
};

/** Draws the label as SVG: the layout's arrangement of the content. */
export function drawLabel(layout: LabelLayoutId, content: LabelContent, random: SeededRandom): DrawnLabel {
  return labelLayouts[layout](content, random);
}
