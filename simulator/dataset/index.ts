export { type DatasetOptions, type DatasetSummary, exportDataset } from './export-dataset.ts';
export { randomScene } from './random-scene.ts';
