export * from './ocr-engine.ts';
export * from './tesseract-js-engine.ts';
