export * from './detector/index.ts';
export * from './evaluation/index.ts';
