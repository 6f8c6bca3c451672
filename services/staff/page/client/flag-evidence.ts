import type { FlagView, JsonOf } from '../../index.ts';
import { words } from './display-text.ts';
import { h } from './element-builder.ts';

type Observation = JsonOf<FlagView>['evidence']['observations'][number];
interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

// Observations are kept as the pipeline wrote them, so each field is checked before it is shown.
const isBox = (value: unknown): value is Box =>
  typeof value === 'object' &&
  value !== null &&
  ['x', 'y', 'width', 'height'].every((k) => typeof (value as Record<string, unknown>)[k] === 'number');

/** The camera frame with the detection's box drawn over it, placed once the picture's size is known. */
function frameWithBox(observation: Observation, frameUrl: string): HTMLElement {
  const img = h('img', { src: frameUrl, alt: `camera ${observation.cameraId ?? ''} frame` });
  const frame = h('div', { class: 'frame' }, img);
  img.addEventListener('load', () => {
    const b = observation.box;
    if (!isBox(b) || !img.naturalWidth) return;
    frame.append(
      h('div', {
        class: 'box',
        style: {
          left: `${(100 * b.x) / img.naturalWidth}%`,
          top: `${(100 * b.y) / img.naturalHeight}%`,
          width: `${(100 * b.width) / img.naturalWidth}%`,
          height: `${(100 * b.height) / img.naturalHeight}%`,
        },
      }),
    );
  });
  return frame;
}

/** The pictures a flag was raised on: frames with boxes, crops, and what each saw. */
export function flagEvidence(flag: JsonOf<FlagView>): HTMLElement {
  const { observations } = flag.evidence;
  const evidence = h(
    'div',
    { class: 'evidence' },
    ...observations.map((o) =>
      h(
        'figure',
        {},
        o.frameUrl ? frameWithBox(o, o.frameUrl) : null,
        o.cropUrl ? h('div', { class: 'crop' }, h('img', { src: o.cropUrl, alt: 'crop' })) : null,
        h(
          'figcaption',
          { class: 'muted' },
          `${words(o.kind ?? 'observation')} in ${o.slotId ?? '?'}${o.confidence !== undefined ? ` · confidence ${Number(o.confidence).toFixed(2)}` : ''} · ${o.cameraId ?? ''}`,
        ),
      ),
    ),
  );
  if (observations.length === 0) evidence.append(h('p', { class: 'muted' }, 'No pictures for this flag.'));
  return evidence;
}
