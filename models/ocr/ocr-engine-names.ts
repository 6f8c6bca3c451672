/** The OCR engines by name, apart from the engines themselves so that naming one loads none. */
export const ocrEngineNames = ['tesseract.js', 'tesseract-native', 'pp-ocrv4'] as const;
export type OcrEngineName = (typeof ocrEngineNames)[number];
