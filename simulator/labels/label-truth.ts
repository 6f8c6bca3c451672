import type { CarrierId } from '../../pipelines/labels/tracking-numbers.ts';

export const labelLayoutIds = ['ups', 'fedex', 'usps', 'amazon', 'dhl'] as const;
export type LabelLayoutId = (typeof labelLayoutIds)[number];

export const labelDifficulties = ['clean', 'realistic', 'hard'] as const;
export type LabelDifficulty = (typeof labelDifficulties)[number];

/** An axis-aligned box on the flat label, in its pixels. */
export interface LabelBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** How the recipient's name was written, compared with the roster. */
export type NameVariant =
  | 'full' // AMARA OKAFOR, Amara Okafor
  | 'last-first' // OKAFOR, AMARA
  | 'initial' // A. OKAFOR
  | 'nickname' // GUS PEREIRA for the roster's Gustavo
  | 'formal' // BENJAMIN SCHMIDT for the roster's Ben
  | 'middle-initial'; // AMARA K OKAFOR

/** Where the unit went on the label; 'missing' when the sender left it out. */
export type UnitPlacement = 'street-line' | 'own-line' | 'missing';

export interface RecipientTruth {
  /** Index into the roster, or null for an outsider: someone who does not live here. */
  residentIndex: number | null;
  /** The name as printed, without "C/O" or "ATTN:". */
  printedName: string;
  nameVariant: NameVariant;
  /** Upper case throughout, or as typed ("Amara Okafor", "Apt 305"). */
  letterCase: 'upper' | 'mixed';
  /** The person's names as the roster spells them (an outsider's as made up). */
  firstName: string;
  lastName: string;
  /**
   * A line printed above the name: a guest staying with the resident ("C/O" the resident), or
   * a company the resident works for ("ATTN:" the resident).
   */
  extraLine: { kind: 'care-of' | 'attention'; text: string } | null;
  /** The unit as printed ("APT 305", "#305", "Unit 305"), or null when none is printed. */
  printedUnit: string | null;
  unitPlacement: UnitPlacement;
  /** The apartment the printed unit names, or null when none is printed. */
  apartment: string | null;
  /** Street, city, state and ZIP as printed (the ZIP may carry "+4"). */
  street: string;
  city: string;
  state: string;
  zip: string;
  /** The whole address block, line by line, as printed. */
  lines: string[];
  /**
   * Whether the printed name (with the unit, when printed) fits exactly one roster resident.
   * Always true for residents of the demo roster; false only when a custom roster holds two
   * people the label cannot tell apart.
   */
  identifiable: boolean;
}

export interface SenderTruth {
  name: string;
  street: string;
  city: string;
  state: string;
  zip: string;
  phone: string | null;
  lines: string[];
}

export interface BarcodeTruth {
  /** bwip-js symbology: 'code128', 'gs1-128', 'pdf417', 'datamatrix', 'qrcode'. */
  kind: string;
  /** The data encoded (GS1 in its bracketed form). */
  payload: string;
  /** Whether the payload holds the tracking number, in whatever wrapping the carrier uses. */
  carriesTracking: boolean;
  /** Where it sits on the flat label. */
  box: LabelBox;
}

export type OccluderKind = 'hand' | 'sticker' | 'tape';

export interface PhotoEffectsTruth {
  /** Clockwise turn of the label in the photo, in (-180, 180]. */
  rotationDeg: number;
  /** True when the label was presented roughly upside down (|rotation| > 90°). */
  upsideDown: boolean;
  /** Keystone: how much shorter the far edge of the label is than the near one (0 = flat on). */
  perspective: number;
  /** Peak vertical displacement of the curled label, in label pixels. */
  curl: number;
  /** Gaussian blur sigma in photo pixels (0 = none). */
  blur: number;
  glare: boolean;
  /** Peak whitening of the glare (0..1); over the name and tracking number it is at most 0.45. */
  glareStrength: number;
  /** Sensor noise standard deviation, in 8-bit steps. */
  noise: number;
  jpegQuality: number;
  /** Overall exposure (1 = nominal) and the strongest fall-off of the light across the photo. */
  brightness: number;
  lightingGradient: number;
  /** The thermal print's black, 0 = full black. */
  inkLevel: number;
  background: 'cardboard' | 'table';
  /** Packing tape on the box under the label (never over it). */
  tape: boolean;
  /** True when every barcode holding the tracking number is covered. */
  barcodeOccluded: boolean;
  occluders: OccluderKind[];
  /** Photo pixels per label pixel. */
  scale: number;
}

export interface LabelTruth {
  /** "label-0001" for index 0. */
  id: string;
  /** The set's seed and this label's index in it: together they reproduce the label. */
  seed: number;
  index: number;
  layout: LabelLayoutId;
  carrier: CarrierId;
  /** The service as printed ("UPS GROUND", "PRIORITY OVERNIGHT"). */
  service: string;
  tracking: { scheme: string; value: string; printed: string };
  recipient: RecipientTruth;
  sender: SenderTruth;
  difficulty: LabelDifficulty;
  effects: PhotoEffectsTruth;
  barcodes: BarcodeTruth[];
  /**
   * What a careful person could read in the photo. The name, unit and printed tracking number
   * are never covered and never glared out, so those are always readable; the barcode route is
   * not when it is occluded.
   */
  readable: { recipient: boolean; trackingText: boolean; trackingBarcode: boolean };
  /** The label's corners in the photo: its own top left, top right, bottom right, bottom left. */
  corners: Array<[number, number]>;
  imageWidth: number;
  imageHeight: number;
  flatWidth: number;
  flatHeight: number;
}
