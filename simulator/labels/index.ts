export {
  type GeneratedLabel,
  generateLabel,
  generateLabelSet,
  type LabelOptions,
  type LabelPlan,
  type LabelSetIndex,
  type LabelSetIndexEntry,
  type LabelSetOptions,
  labelId,
  planLabel,
  type WriteLabelSetOptions,
  writeLabelSet,
} from './label-generator.ts';
export {
  type DrawnLabel,
  drawLabel,
  type LabelContent,
  labelHeightPx,
  labelWidthPx,
} from './label-layouts.ts';
export { defaultBuilding, defaultRoster, nicknames, type RosterResident } from './label-recipients.ts';
export type {
  BarcodeTruth,
  LabelBox,
  LabelDifficulty,
  LabelLayoutId,
  LabelTruth,
  NameVariant,
  OccluderKind,
  PhotoEffectsTruth,
  RecipientTruth,
  SenderTruth,
  UnitPlacement,
} from './label-truth.ts';
export { labelDifficulties, labelLayoutIds } from './label-truth.ts';
export { type FlatLabel, type LabelPhoto, maxGlareOverText, photographLabel } from './photo-effects.ts';
export { drawPhotoSettings, type PhotoSettings } from './photo-settings.ts';
