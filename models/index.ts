export * from './detector/index.ts';
export * from './evaluation/index.ts';
export * from './ocr/index.ts';
