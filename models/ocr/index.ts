export * from './create-ocr-engine.ts';
export * from './native-tesseract-engine.ts';
export * from './ocr-engine.ts';
export * from './paddle-ocr-engine.ts';
export * from './tesseract-js-engine.ts';
