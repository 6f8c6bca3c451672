import { Counter, Histogram, type Registry } from 'prom-client';

/** The label pipeline's metrics, registered in the service's registry. */
export function createLabelMetrics(registry: Registry) {
  const registers = [registry];
  return {
    readDuration: new Histogram({
      name: 'parcelroom_label_read_seconds',
      help: 'Time to read one label photo, by stage (load, rectify, barcode, ocr, parse, match, total)',
      labelNames: ['stage'] as const,
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2.5, 5],
      registers,
    }),
    readings: new Counter({
      name: 'parcelroom_label_readings_total',
      help: 'Labels read, by where the tracking number came from (barcode, ocr, none) and the resident match',
      labelNames: ['tracking', 'match'] as const,
      registers,
    }),
    rejected: new Counter({
      name: 'parcelroom_label_images_rejected_total',
      help: 'Label photos refused before reading (empty, not an image, too large, damaged)',
      registers,
    }),
  };
}

export type LabelMetrics = ReturnType<typeof createLabelMetrics>;
