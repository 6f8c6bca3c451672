import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import sharp from 'sharp';
import {
  aimAngles,
  listSlots,
  loadLayoutFile,
  pointInPolygon,
  type RoomLayout,
  type Slot,
} from '../../calibration/index.ts';
import {
  createRoomRenderer,
  emptyScene,
  type RenderedFrame,
  type RoomRenderer,
  randomAppearance,
  type ScenePackage,
  type SceneState,
  seededRandom,
} from '../../simulator/index.ts';
import { changedShare } from '../support/frame-diff.ts';

const meanOf = (rgb: Buffer) => {
  let sum = 0;
  for (const v of rgb) sum += v;
  return sum / rgb.length;
};

function convexHull(points: Array<[number, number]>): Array<[number, number]> {
  const sorted = [...points].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const turn = (o: [number, number], a: [number, number], b: [number, number]) =>
    (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
  const half = (list: Array<[number, number]>) => {
    const out: Array<[number, number]> = [];
    for (const p of list) {
      while (out.length >= 2 && turn(out[out.length - 2]!, out[out.length - 1]!, p) <= 0) out.pop();
      out.push(p);
    }
    return out.slice(0, -1);
  };
  return [...half(sorted), ...half([...sorted].reverse())];
}

describe('room renderer', () => {
  let layout: RoomLayout;
  let renderer: RoomRenderer;
  let slots: Slot[];
  const boxIn = (slot: Slot, id: string, kind: ScenePackage['appearance']['kind'] = 'box'): ScenePackage => ({
    id,
    appearance: {
      ...randomAppearance(seededRandom(slot.id.length + id.length), kind, {
        across: 22,
        depth: 30,
        height: 25,
      }),
      colour: '#b98b5a',
    },
    pose: {
      unitId: slot.unitId,
      levelNumber: slot.levelNumber,
      acrossCm: slot.offsetCm + slot.widthCm / 2,
      backCm: 3,
      yawDeg: 0,
      leanDeg: 0,
    },
  });
  const sceneWith = (packages: ScenePackage[], patch: Partial<SceneState> = {}): SceneState => ({
    ...emptyScene(),
    packages,
    ...patch,
  });

  before(async () => {
    layout = await loadLayoutFile('calibration/rooms/demo-room.yaml');
    renderer = createRoomRenderer(layout, { seed: 11 });
    slots = listSlots(layout);
  });

  test('renders every camera at its layout resolution as packed RGB', () => {
    assert.deepEqual(renderer.cameraIds, ['cam-1', 'cam-2', 'cam-3']);
    for (const id of renderer.cameraIds) {
      const frame = renderer.render(id, emptyScene(), 0);
      assert.equal(frame.width, 1280);
      assert.equal(frame.height, 720);
      assert.equal(frame.rgb.length, 1280 * 720 * 3);
      assert.deepEqual(frame.boxes, []);
      // A lit room: neither black nor blown out.
      const mean = meanOf(frame.rgb);
      assert.ok(mean > 60 && mean < 220, `mean level ${mean}`);
    }
  });

  test('each package box covers pixels that differ from the empty shelves, and sits in its slot polygon', () => {
    const chosen = ['A1-2', 'A3-4', 'B2-1', 'B5-3', 'C1-1', 'C4-4'].map(
      (id) => slots.find((s) => s.id === id)!,
    );
    const scene = sceneWith(chosen.map((slot, i) => boxIn(slot, `p${i}`)));
    let checked = 0;
    for (const view of layout.cameras) {
      const frame = renderer.render(view.id, scene, 4);
      const empty = renderer.render(view.id, sceneWith([]), 4);
      for (const box of frame.boxes) {
        assert.ok(
          box.visibleFraction > 0 && box.visibleFraction <= 1,
          `visible share ${box.visibleFraction}`,
        );
        assert.ok(
          changedShare(frame, empty, box, 1) > 0.5,
          `${view.id} ${box.packageId}: box not on the package`,
        );
        const slot = chosen[Number(box.packageId.slice(1))]!;
        const polygon = view.slots[slot.id];
        if (!polygon || box.visibleFraction < 0.8) continue;
        // The bottom middle of the box is where the package meets the board: inside the slot.
        const foot: [number, number] = [box.x + box.width / 2, box.y + box.height - 2];
        assert.ok(
          pointInPolygon(foot, polygon as [number, number][]),
          `${view.id}: ${box.packageId} foot ${foot} not in ${slot.id}`,
        );
        checked++;
      }
    }
    assert.ok(checked >= 10, `only ${checked} packages checked against their slot polygons`);
  });

  test('every kind of package renders, including stacked, leaning and straddling ones', () => {
    const slot = slots.find((s) => s.id === 'B3-2')!;
    const kinds = ['box', 'poly-mailer', 'padded-envelope', 'letter', 'tube', 'bag'] as const;
    for (const kind of kinds) {
      const pkg = boxIn(slot, kind, kind);
      if (kind === 'letter' || kind === 'padded-envelope') pkg.pose.leanDeg = 15;
      const frame = renderer.render('cam-2', sceneWith([pkg]), 1);
      const box = frame.boxes.find((b) => b.packageId === kind);
      assert.ok(box, `${kind} not visible`);
      assert.ok(box.width * box.height > 100, `${kind} box too small: ${JSON.stringify(box)}`);
    }
    const base = boxIn(slot, 'base');
    base.appearance.sizeCm = { across: 24, depth: 30, height: 12 };
    const top = boxIn(slot, 'top');
    top.appearance.sizeCm = { across: 16, depth: 20, height: 10 };
    top.pose.stackedOn = 'base';
    const stacked = renderer.render('cam-2', sceneWith([base, top]), 1);
    const [baseBox, topBox] = ['base', 'top'].map((id) => stacked.boxes.find((b) => b.packageId === id)!);
    assert.ok(baseBox && topBox, 'both stacked packages are boxed');
    assert.ok(topBox.y < baseBox.y, 'the stacked package shows above its base');
  });

  test('a person in front of the shelves is boxed and hides what is behind', () => {
    const slot = slots.find((s) => s.id === 'B3-2')!;
    const pkg = boxIn(slot, 'hidden');
    const clear = renderer.render('cam-2', sceneWith([pkg]), 2);
    const blocked = renderer.render(
      'cam-2',
      sceneWith([pkg], {
        people: [
          {
            id: 'courier',
            standingAtCm: { x: slot.aimPoint.x, y: 395 },
            reachingForCm: slot.aimPoint,
            clothing: '#2c3e50',
          },
        ],
      }),
      2,
    );
    assert.equal(blocked.people.length, 1);
    const person = blocked.people[0]!;
    assert.ok(person.height > 200, 'a standing person is tall in the frame');
    const before = clear.boxes[0]!.visibleFraction;
    const after = blocked.boxes.find((b) => b.packageId === 'hidden')?.visibleFraction ?? 0;
    assert.ok(after < before - 0.2, `visible share ${before} → ${after}`);
  });

  test('the laser dot lands in the aimed slot and is reported; off means no dot', () => {
    const mount = layout.locator!.mount.positionCm;
    let seen = 0;
    for (const id of ['A2-1', 'B4-3', 'C1-4', 'B1-2']) {
      const slot = slots.find((s) => s.id === id)!;
      const scene = sceneWith([], {
        locator: { laser: { on: true, ...aimAngles(mount, slot.aimPoint) }, strobesOn: [] },
      });
      for (const view of layout.cameras) {
        if (!view.slots[id]) continue;
        const frame = renderer.render(view.id, scene, 3);
        assert.ok(frame.laserDot, `${view.id} sees ${id} but not the dot`);
        // The beam passes the aim point and ends on the slot's board or back: inside the picture
        // of the slot's whole volume, not just its front face.
        const camera = renderer.camera(view.id);
        const corners = [
          ...slot.frontFace,
          ...slot.floor,
          ...slot.floor.map((p) => ({ ...p, z: p.z + slot.heightCm })),
        ]
          .map((p) => camera.project(p)!)
          .map((p) => [p.x, p.y] as [number, number]);
        assert.ok(
          pointInPolygon([frame.laserDot.x, frame.laserDot.y], convexHull(corners)),
          `${view.id}: dot ${JSON.stringify(frame.laserDot)} is outside slot ${id}`,
        );
        const o = (Math.round(frame.laserDot.y) * frame.width + Math.round(frame.laserDot.x)) * 3;
        assert.ok(frame.rgb[o]! > 200 && frame.rgb[o]! > frame.rgb[o + 1]! + 50, 'the dot is bright red');
        seen++;
      }
    }
    assert.ok(seen >= 6, `the dot was checked in only ${seen} views`);
    const off = renderer.render('cam-2', sceneWith([]), 3);
    assert.equal(off.laserDot, undefined);
    // With a package in the slot the dot lands on the package, above the board.
    const slot = slots.find((s) => s.id === 'B3-2')!;
    const onPackage = renderer.render(
      'cam-2',
      sceneWith([boxIn(slot, 'target')], {
        locator: { laser: { on: true, ...aimAngles(mount, slot.aimPoint) }, strobesOn: [] },
      }),
      3,
    );
    const box = onPackage.boxes[0]!;
    const dot = onPackage.laserDot!;
    assert.ok(
      dot.x >= box.x && dot.x <= box.x + box.width && dot.y >= box.y && dot.y <= box.y + box.height,
      `dot ${JSON.stringify(dot)} not on the package ${JSON.stringify(box)}`,
    );
  });

  test('lights off drops the picture below a fifth of its lit level; strobes light their zone', () => {
    const lit = renderer.render('cam-2', sceneWith([]), 5);
    const dark = renderer.render('cam-2', sceneWith([], { lighting: { brightness: 0.05, warmth: 0 } }), 5);
    assert.ok(meanOf(dark.rgb) < 0.2 * meanOf(lit.rgb), `${meanOf(dark.rgb)} vs ${meanOf(lit.rgb)}`);
    const flash = renderer.render(
      'cam-2',
      sceneWith([], {
        lighting: { brightness: 0.05, warmth: 0 },
        locator: { laser: { on: false, panDeg: 0, tiltDeg: 0 }, strobesOn: ['Z2'] },
      }),
      5,
    );
    // Zone Z2 is unit C, on the right of cam-2's picture; the left edge stays dark.
    const columnMean = (frame: RenderedFrame, x0: number, x1: number) => {
      let sum = 0;
      let n = 0;
      for (let y = 100; y < 600; y += 4)
        for (let x = x0; x < x1; x += 4) {
          sum += frame.rgb[(y * frame.width + x) * 3]!;
          n++;
        }
      return sum / n;
    };
    assert.ok(columnMean(flash, 1000, 1200) > columnMean(dark, 1000, 1200) + 40, 'the zone is lit');
    assert.ok(
      Math.abs(columnMean(flash, 0, 150) - columnMean(dark, 0, 150)) < 3,
      'outside the zone stays dark',
    );
  });

  test('the same seed renders the same pixels; frames differ only by noise and flicker', () => {
    const scene = sceneWith([boxIn(slots[5]!, 'p')]);
    const again = createRoomRenderer(layout, { seed: 11 });
    const a = renderer.render('cam-1', scene, 9);
    const b = again.render('cam-1', scene, 9);
    assert.ok(a.rgb.equals(b.rgb), 'same seed, same pixels');
    const next = renderer.render('cam-1', scene, 10);
    assert.ok(!next.rgb.equals(a.rgb), 'sensor noise changes between frames');
    assert.deepEqual(next.boxes, a.boxes);
    assert.ok(Math.abs(meanOf(next.rgb) - meanOf(a.rgb)) < 4, 'noise and flicker are small');
    // Rendering into a caller's buffer at an odd offset takes the byte-wise path: same pixels.
    const backing = Buffer.alloc(a.rgb.length + 1);
    const unaligned = renderer.render('cam-1', scene, 9, backing.subarray(1));
    assert.ok(unaligned.rgb.equals(a.rgb), 'the word-wise and byte-wise exposure agree');
    assert.throws(
      () => renderer.render('cam-1', scene, 9, Buffer.alloc(10)),
      /output buffer must hold 1280×720×3 bytes/,
    );
    const other = createRoomRenderer(layout, { seed: 12 }).render('cam-1', scene, 9);
    assert.ok(!other.rgb.equals(a.rgb), 'another seed, other pixels');
  });

  test('JPEG encoding keeps the size, and a smaller render size scales the truth', async () => {
    const scene = sceneWith([boxIn(slots[25]!, 'p')]);
    const { frame, jpeg } = await renderer.renderJpeg('cam-2', scene, 1);
    const meta = await sharp(jpeg).metadata();
    assert.equal(meta.format, 'jpeg');
    assert.equal(meta.width, 1280);
    assert.equal(meta.height, 720);
    const small = createRoomRenderer(layout, { seed: 11, size: { width: 640, height: 360 } }).render(
      'cam-2',
      scene,
      1,
    );
    assert.equal(small.width, 640);
    const [big, half] = [frame.boxes[0]!, small.boxes[0]!];
    assert.ok(
      Math.abs(half.x - big.x / 2) <= 1.5 && Math.abs(half.width - big.width / 2) <= 2,
      `${JSON.stringify(half)} vs ${JSON.stringify(big)}`,
    );
  });

  test('bad options and impossible scenes are refused with a clear message', () => {
    assert.throws(
      () => createRoomRenderer(layout, { seed: 1, jpegQuality: 0 }),
      /jpegQuality must be an integer from 1 to 100/,
    );
    assert.throws(
      () => createRoomRenderer(layout, { seed: 1, size: { width: 8, height: 8 } }),
      /at least 16×16/,
    );
    assert.throws(() => renderer.render('cam-9', emptyScene(), 0), /no camera cam-9 in this room/);
    const stray = boxIn(slots[0]!, 'stray');
    assert.throws(
      () => renderer.render('cam-1', sceneWith([{ ...stray, pose: { ...stray.pose, unitId: 'Q' } }]), 0),
      /package stray is on unit Q, which the room lacks/,
    );
    assert.throws(
      () =>
        renderer.render('cam-1', sceneWith([{ ...stray, pose: { ...stray.pose, stackedOn: 'ghost' } }]), 0),
      /rests on ghost, which is not in the room/,
    );
    const noPose = { ...layout, cameras: layout.cameras.map(({ pose: _pose, ...c }) => c) };
    assert.throws(() => createRoomRenderer(noPose, { seed: 1 }), /camera cam-1 has no pose/);
  });
});
