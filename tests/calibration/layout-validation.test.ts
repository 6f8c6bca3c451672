import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { stringify } from 'yaml';
import {
  checkLayoutFile,
  deriveCameraViews,
  formatLayoutReport,
  LayoutError,
  type LayoutIssue,
  loadLayoutFile,
  parseLayout,
  type RoomLayout,
} from '../../calibration/index.ts';

const demoFile = 'calibration/rooms/demo-room.yaml';
const demoText = readFileSync(demoFile, 'utf8');

/** The demo layout as plain data, to break in one place per test. */
function demo(): RoomLayout {
  const result = parseLayout(demoText, demoFile);
  assert.ok(result.layout);
  return structuredClone(result.layout);
}

function errorsOf(layout: unknown): LayoutIssue[] {
  const result = parseLayout(stringify(layout), 'broken.yaml');
  assert.equal(result.ok, false, 'the broken layout must fail');
  return result.issues.filter((i) => i.severity === 'error');
}

function assertOneError(layout: unknown, path: string, message: RegExp): void {
  const errors = errorsOf(layout);
  assert.equal(
    errors.length,
    1,
    `expected exactly one error, got:\n${errors.map((e) => `${e.path}: ${e.message}`).join('\n')}`,
  );
  assert.equal(errors[0]!.path, path);
  assert.match(errors[0]!.message, message);
}

describe('room layout validation', () => {
  test('the demo room passes with no issue at all and has 3 units × 5 levels × 4 slots', async () => {
    const result = await checkLayoutFile(demoFile);
    assert.deepEqual(result.issues, []);
    assert.equal(result.ok, true);
    assert.deepEqual(result.summary, {
      roomId: 'demo',
      units: 3,
      levels: 15,
      slots: 60,
      cameras: 3,
      strobeZones: 2,
      locator: true,
    });
  });

  test('the demo polygons agree with a fresh derivation from the camera poses within 0.5 px', () => {
    const layout = demo();
    const derived = deriveCameraViews(layout);
    layout.cameras.forEach((camera, c) => {
      assert.deepEqual(Object.keys(derived[c]!.slots).sort(), Object.keys(camera.slots).sort());
      for (const [slotId, polygon] of Object.entries(camera.slots)) {
        polygon.forEach(([x, y], i) => {
          const [dx, dy] = derived[c]!.slots[slotId]![i]!;
          assert.ok(
            Math.hypot(x - dx, y - dy) <= 0.5,
            `${camera.id} ${slotId} point ${i} off by more than 0.5 px`,
          );
        });
      }
    });
  });

  test('overlapping slots on a level name both slots and where they meet', () => {
    const layout = demo();
    layout.units[1]!.levels[2]!.slots[2]!.offsetCm = 55;
    assertOneError(
      layout,
      'units[1].levels[2].slots',
      /^overlapping slots B3-2 and B3-3 \(B3-2 ends at 59\.5 cm, B3-3 starts at 55 cm\)$/,
    );
  });

  test('a slot past the end of its unit is refused', () => {
    const layout = demo();
    layout.units[0]!.levels[1]!.slots[3]!.widthCm = 35;
    assertOneError(
      layout,
      'units[0].levels[1].slots[3]',
      /slot A2-4 ends at 125 cm, beyond the unit's width of 120 cm/,
    );
  });

  test('slots listed out of order are refused', () => {
    const layout = demo();
    const slots = layout.units[2]!.levels[0]!.slots;
    [slots[0], slots[3]] = [slots[3]!, slots[0]!];
    const errors = errorsOf(layout);
    assert.ok(
      errors.some((e) => e.path === 'units[2].levels[0].slots' && /listed left to right/.test(e.message)),
    );
  });

  test('a level board cutting into the level below is refused', () => {
    const layout = demo();
    layout.units[0]!.levels[2]!.heightCm = 85;
    assertOneError(
      layout,
      'units[0].levels[2].heightCm',
      /board of level A3 at 85 cm cuts into the free space of level A2 \(52 cm \+ 38 cm = 90 cm\)/,
    );
  });

  test('a polygon point outside the image names the point and the image size', () => {
    const layout = demo();
    layout.cameras[1]!.slots['B3-2']![1] = [1400, 80];
    const errors = errorsOf(layout);
    assert.ok(
      errors.some(
        (e) =>
          e.path === 'cameras[1].slots.B3-2' &&
          e.message === 'polygon point (1400, 80) is outside the 1280×720 image',
      ),
      JSON.stringify(errors),
    );
  });

  test('a self-intersecting polygon is refused', () => {
    const layout = demo();
    const polygon = layout.cameras[0]!.slots['A1-1']!;
    [polygon[1], polygon[2]] = [polygon[2]!, polygon[1]!];
    assertOneError(layout, 'cameras[0].slots.A1-1', /edges cross each other/);
  });

  test('a polygon with no area is refused', () => {
    const layout = demo();
    layout.cameras[0]!.slots['A1-1'] = [
      [10, 10],
      [20, 20],
      [30, 30],
    ];
    assertOneError(layout, 'cameras[0].slots.A1-1', /no area/);
  });

  test('a polygon overlapping another slot of the same camera is refused', () => {
    const layout = demo();
    const a12 = layout.cameras[0]!.slots['A1-2']!;
    layout.cameras[0]!.slots['A1-1'] = a12.map(([x, y]) => [x + 5, y] as [number, number]);
    const errors = errorsOf(layout);
    assert.ok(
      errors.some(
        (e) => e.path === 'cameras[0].slots.A1-2' && /overlaps the polygon of slot A1-1/.test(e.message),
      ),
      JSON.stringify(errors),
    );
  });

  test('a camera naming a slot the room does not have is refused', () => {
    const layout = demo();
    layout.cameras[2]!.slots['Q9-9'] = [
      [0, 0],
      [10, 0],
      [10, 10],
    ];
    assertOneError(layout, 'cameras[2].slots.Q9-9', /^no slot Q9-9 in this layout$/);
  });

  test('a slot no camera sees is refused with its place in the file', () => {
    const layout = demo();
    for (const camera of layout.cameras) delete camera.slots['C5-4'];
    assertOneError(layout, 'units[2].levels[4].slots[3]', /slot C5-4 is seen by no camera/);
  });

  test('duplicate unit and camera ids are each refused', () => {
    const layout = demo();
    layout.units[2]!.id = 'A';
    layout.cameras[2]!.id = 'cam-1';
    const errors = errorsOf(layout);
    assert.ok(
      errors.some(
        (e) => e.path === 'units[2].id' && /duplicate unit id A \(also units\[0\]\)/.test(e.message),
      ),
    );
    assert.ok(errors.some((e) => e.path === 'cameras[2].id' && /duplicate camera id cam-1/.test(e.message)));
  });

  test('units overlapping on the floor or standing outside the room are refused', () => {
    const layout = demo();
    layout.units[1]!.positionCm.x = 100;
    assertOneError(layout, 'units[1].positionCm', /unit B overlaps unit A on the floor/);
    const outside = demo();
    outside.units[2]!.positionCm.x = 500;
    assertOneError(outside, 'units[2].positionCm', /unit C stands partly outside the 600 cm × 500 cm room/);
  });

  test('a strobe zone lighting an unknown unit is refused; a unit without strobe is a warning', () => {
    const layout = demo();
    layout.strobeZones[1]!.units = ['D'];
    const result = parseLayout(stringify(layout), 'broken.yaml');
    const errors = result.issues.filter((i) => i.severity === 'error');
    assert.equal(errors.length, 1);
    assert.equal(errors[0]!.path, 'strobeZones[1].units[0]');
    assert.match(errors[0]!.message, /no unit D/);
    const warnings = result.issues.filter((i) => i.severity === 'warning');
    assert.deepEqual(
      warnings.map((w) => w.path),
      ['units[2]'],
    );
  });

  test('locator calibration with an unknown slot or an angle beyond the mount is refused', () => {
    const layout = demo();
    layout.locator!.calibration = {
      calibratedAt: '2026-11-24T10:00:00Z',
      residualPx: 2,
      residualCm: 0.5,
      slotTargets: { 'A1-1': { panDeg: 120, tiltDeg: -20 }, 'Z1-1': { panDeg: 0, tiltDeg: 0 } },
    };
    const errors = errorsOf(layout);
    assert.deepEqual(
      errors.map((e) => e.path).sort(),
      ['locator.calibration.slotTargets.A1-1.panDeg', 'locator.calibration.slotTargets.Z1-1'].sort(),
    );
    assert.match(
      errors.find((e) => e.path.endsWith('panDeg'))!.message,
      /120° is outside the mount's pan range \[-90, 90\]/,
    );
  });

  test('structural mistakes are reported with their path and line, all at once', () => {
    const layout = demo() as any;
    layout.units[0].widthCm = -5;
    layout.cameras[0].resolution.width = 'wide';
    delete layout.room.name;
    layout.colour = 'blue';
    const text = stringify(layout);
    const result = parseLayout(text, 'broken.yaml');
    const byPath = new Map(result.issues.map((i) => [i.path, i]));
    assert.match(byPath.get('units[0].widthCm')!.message, /greater than 0 cm/);
    assert.ok(byPath.has('cameras[0].resolution.width'));
    assert.match(byPath.get('room.name')!.message, /missing/);
    assert.match(byPath.get('')!.message, /unknown key "colour"/);
    const line = byPath.get('units[0].widthCm')!.line!;
    assert.match(text.split('\n')[line - 1]!, /widthCm: -5/);
  });

  test('invalid YAML is reported with its line', () => {
    const result = parseLayout('version: 1\nroom: {id: demo\nunits: []\n', 'bad.yaml');
    assert.equal(result.ok, false);
    assert.match(result.issues[0]!.message, /^not valid YAML/);
    assert.ok(result.issues[0]!.line);
  });

  test('a missing file is one clear error, and loadLayoutFile throws a LayoutError listing it', async () => {
    const result = await checkLayoutFile('calibration/rooms/absent.yaml');
    assert.deepEqual(result.issues, [{ path: '', message: 'file not found', severity: 'error' }]);
    await assert.rejects(loadLayoutFile('calibration/rooms/absent.yaml'), (error: unknown) => {
      assert.ok(error instanceof LayoutError);
      assert.match(
        error.message,
        /^calibration\/rooms\/absent\.yaml: room layout has 1 error\n {2}calibration\/rooms\/absent\.yaml: file not found$/,
      );
      return true;
    });
  });

  test('the report prints one line per issue with file and line, then a verdict', () => {
    const layout = demo();
    layout.units[1]!.levels[2]!.slots[2]!.offsetCm = 55;
    const report = formatLayoutReport(parseLayout(stringify(layout), 'room.yaml'));
    const lines = report.split('\n');
    assert.match(
      lines[0]!,
      /^room\.yaml:\d+: units\[1\]\.levels\[2\]\.slots: overlapping slots B3-2 and B3-3/,
    );
    assert.equal(lines.at(-1), 'room.yaml: 1 error');
  });
});
