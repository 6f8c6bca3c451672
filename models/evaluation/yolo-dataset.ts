import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';

export interface YoloLabel {
  classId: number;
  /** Normalised to the image: centre x, centre y, width, height in [0, 1]. */
  cx: number;
  cy: number;
  width: number;
  height: number;
}

export interface YoloItem {
  imagePath: string;
  labels: YoloLabel[];
}

export class DatasetError extends Error {
  override readonly name = 'DatasetError';
}

const imageExtensions = new Set(['.jpg', '.jpeg', '.png', '.webp']);

/**
 * A YOLO-format folder: `images/` and `labels/` side by side, one `class cx cy w h` line per box.
 * An image without a label file has no boxes. Malformed lines are errors naming file and line.
 */
export function readYoloFolder(dir: string): YoloItem[] {
  const imageDir = join(dir, 'images');
  if (!existsSync(imageDir))
    throw new DatasetError(`${dir}: no images/ folder (expected a YOLO-format dataset)`);
  const items: YoloItem[] = [];
  for (const file of readdirSync(imageDir).sort()) {
    if (!imageExtensions.has(extname(file).toLowerCase())) continue;
    const labelFile = join(dir, 'labels', `${basename(file, extname(file))}.txt`);
    const labels: YoloLabel[] = [];
    if (existsSync(labelFile)) {
      readFileSync(labelFile, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (line.trim() === '') return;
          const values = line.trim().split(/\s+/).map(Number);
          const [classId, cx, cy, width, height] = values;
          if (
            values.length !== 5 ||
            values.some((v) => !Number.isFinite(v)) ||
            !Number.isInteger(classId) ||
            classId! < 0 ||
            [cx, cy, width, height].some((v) => v! < 0 || v! > 1.0001)
          )
            throw new DatasetError(`${labelFile}:${i + 1}: expected "class cx cy w h" with values in [0, 1]`);
          labels.push({ classId: classId!, cx: cx!, cy: cy!, width: width!, height: height! });
        });
    }
    items.push({ imagePath: join(imageDir, file), labels });
  }
  if (items.length === 0) throw new DatasetError(`${imageDir}: no images`);
  return items;
}
