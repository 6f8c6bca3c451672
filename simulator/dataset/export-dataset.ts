import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RoomLayout } from '../../calibration/index.ts';
import { listSlots } from '../../calibration/index.ts';
import type { RoomRenderer } from '../render/index.ts';
import { truthOf } from '../scenarios/timeline.ts';
import { seededRandom } from '../seeded-random.ts';
import { randomScene } from './random-scene.ts';

export interface DatasetOptions {
  outDir: string;
  count: number;
  seed: number;
  /** Also label people as class 1. */
  people: boolean;
  /** Packages less visible than this are left unlabelled: a detector should not be taught to guess. */
  minVisibleFraction?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface DatasetSummary {
  images: number;
  packageBoxes: number;
  personBoxes: number;
}

const minBoxPx = 4;

/**
 * Writes a YOLO-format dataset (`images/*.jpg`, `labels/*.txt`, `data.yaml`) of random scenes,
 * and `ground-truth.json` with each image's camera and slot contents. Deterministic for a seed.
 */
export async function exportDataset(
  layout: RoomLayout,
  renderer: RoomRenderer,
  options: DatasetOptions,
): Promise<DatasetSummary> {
  const minVisible = options.minVisibleFraction ?? 0.3;
  await mkdir(join(options.outDir, 'images'), { recursive: true });
  await mkdir(join(options.outDir, 'labels'), { recursive: true });
  const slots = listSlots(layout);
  const truth: unknown[] = [];
  const summary: DatasetSummary = { images: 0, packageBoxes: 0, personBoxes: 0 };
  const digits = Math.max(5, String(options.count).length);

  for (let i = 0; i < options.count; i++) {
    const random = seededRandom(options.seed).fork(`image:${i}`);
    const scene = randomScene(layout, random, { people: options.people });
    const cameraId = random.pick(layout.cameras).id;
    const frame = renderer.render(cameraId, scene, random.int(0, 1_000_000));
    const name = `sim-${options.seed}-${String(i).padStart(digits, '0')}`;
    const lines: string[] = [];
    const labelled: Array<{ packageId: string; box: [number, number, number, number] }> = [];
    for (const box of frame.boxes) {
      if (box.visibleFraction < minVisible || box.width < minBoxPx || box.height < minBoxPx) continue;
      lines.push(yoloLine(0, box, frame.width, frame.height));
      labelled.push({ packageId: box.packageId, box: [box.x, box.y, box.width, box.height] });
      summary.packageBoxes++;
    }
    if (options.people) {
      for (const person of frame.people) {
        if (person.width < minBoxPx || person.height < minBoxPx) continue;
        lines.push(yoloLine(1, person, frame.width, frame.height));
        summary.personBoxes++;
      }
    }
    await writeFile(join(options.outDir, 'images', `${name}.jpg`), await renderer.encodeJpeg(frame));
    await writeFile(
      join(options.outDir, 'labels', `${name}.txt`),
      lines.length ? `${lines.join('\n')}\n` : '',
    );
    const occupied = Object.fromEntries(
      Object.entries(truthOf(scene, slots, () => true).slots).filter(([, ids]) => ids.length > 0),
    );
    truth.push({
      image: `images/${name}.jpg`,
      cameraId,
      width: frame.width,
      height: frame.height,
      lighting: scene.lighting,
      slots: occupied,
      boxes: labelled,
    });
    summary.images++;
    options.onProgress?.(i + 1, options.count);
  }

  await writeFile(
    join(options.outDir, 'ground-truth.json'),
    `${JSON.stringify({ seed: options.seed, layout: layout.room.id, images: truth }, null, 1)}\n`,
  );
  await writeFile(
    join(options.outDir, 'data.yaml'),
    `# Parcelroom simulator dataset, seed ${options.seed}\npath: .\ntrain: images\nval: images\nnames:\n  0: package\n${options.people ? '  1: person\n' : ''}`,
  );
  return summary;
}

function yoloLine(
  classId: number,
  box: { x: number; y: number; width: number; height: number },
  width: number,
  height: number,
): string {
  const f = (v: number) => v.toFixed(6);
  return `${classId} ${f((box.x + box.width / 2) / width)} ${f((box.y + box.height / 2) / height)} ${f(box.width / width)} ${f(box.height / height)}`;
}
