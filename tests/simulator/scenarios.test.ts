import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { loadLayoutFile, type RoomLayout } from '../../calibration/index.ts';
import {
  compileScenario,
  listBundledScenarios,
  loadScenarioFile,
  parseScenario,
  ScenarioError,
} from '../../simulator/index.ts';

let layout: RoomLayout;

function scenarioIssues(text: string): Array<{ path: string; message: string }> {
  try {
    compileScenario(parseScenario(text, 'test.yaml'), layout, 'test.yaml');
  } catch (error) {
    assert.ok(error instanceof ScenarioError, String(error));
    return error.issues;
  }
  assert.fail('expected a ScenarioError');
}

const header = 'name: broken\ndescription: x\nseed: 1\ndurationS: 20\n';

describe('scenarios', () => {
  before(async () => {
    layout = await loadLayoutFile('calibration/rooms/demo-room.yaml');
  });

  test('at least 12 bundled scenarios, each valid against the demo room, cover every case the simulator promises', async () => {
    const bundled = await listBundledScenarios();
    assert.ok(bundled.length >= 12, `only ${bundled.length} scenarios`);
    const events = new Set<string>();
    const flags = new Set<string>();
    for (const { file } of bundled) {
      const scenario = await loadScenarioFile(file);
      compileScenario(scenario, layout, file);
      for (const e of scenario.events) {
        events.add(e.do);
        if (e.do === 'take' && !e.session) flags.add('taken-without-session');
        if (e.do === 'take' && e.intendedPackage) flags.add('wrong-package');
        if (e.do === 'place' && !e.registered) flags.add('unregistered');
        if (e.do === 'place' && e.between) flags.add('straddling');
        if (e.do === 'place' && e.onTopOf) flags.add('stacked');
        if (e.do === 'place' && e.offsetCm !== undefined) flags.add('two-in-slot');
      }
    }
    for (const kind of [
      'arrive',
      'place',
      'take',
      'move',
      'lights',
      'camera-offline',
      'camera-online',
      'laser',
      'strobe',
      'session',
    ]) {
      assert.ok(events.has(kind), `no scenario uses ${kind}`);
    }
    assert.deepEqual([...flags].sort(), [
      'stacked',
      'straddling',
      'taken-without-session',
      'two-in-slot',
      'unregistered',
      'wrong-package',
    ]);
  });

  test('slot truth follows the story: empty before the placement, occupied after it', async () => {
    const timeline = compileScenario(
      await loadScenarioFile('simulator/scenarios/library/01-single-delivery.yaml'),
      layout,
    );
    assert.deepEqual(timeline.truthAt(3000).slots['B3-2'], []);
    // The package leaves the hand halfway through the 2 s placement that starts at 4 s.
    assert.deepEqual(timeline.truthAt(4900).slots['B3-2'], []);
    assert.deepEqual(timeline.truthAt(5100).slots['B3-2'], ['p1']);
    assert.equal(timeline.truthAt(15_000).packages.p1?.primarySlot, 'B3-2');
    const during = timeline.sceneAt(4800);
    assert.ok(during.people[0]?.reachingForCm, 'the courier reaches in while placing');
    assert.equal(timeline.sceneAt(15_000).people.length, 0, 'the courier has left');
  });

  test('a straddling package is in both slots; a stacked one shares its base slot; a moved one changes slot', async () => {
    const straddle = compileScenario(
      await loadScenarioFile('simulator/scenarios/library/11-straddling-two-slots.yaml'),
      layout,
    );
    assert.deepEqual(straddle.truthAt(14_000).packages.p1?.slots, ['B2-2', 'B2-3']);
    const stacked = compileScenario(
      await loadScenarioFile('simulator/scenarios/library/10-stacked-two-high.yaml'),
      layout,
    );
    assert.deepEqual(stacked.truthAt(18_000).slots['C3-3'], ['p1', 'p2']);
    assert.equal(stacked.truthAt(18_000).packages.p2?.stackedOn, 'p1');
    const moved = compileScenario(
      await loadScenarioFile('simulator/scenarios/library/07-package-moved.yaml'),
      layout,
    );
    assert.deepEqual(moved.truthAt(3000).packages.p1?.slots, ['B2-3']);
    assert.deepEqual(moved.truthAt(5500).packages.p1, undefined, 'in the hand while moving');
    assert.deepEqual(moved.truthAt(20_000).packages.p1?.slots, ['C2-1']);
  });

  test('lights, laser and camera outages appear in the scene at their times', async () => {
    const lights = compileScenario(
      await loadScenarioFile('simulator/scenarios/library/08-lights-off-and-on.yaml'),
      layout,
    );
    assert.ok(lights.sceneAt(5000).lighting.brightness < 0.1);
    assert.ok(lights.sceneAt(9000).lighting.brightness > 0.8);
    const outage = compileScenario(
      await loadScenarioFile('simulator/scenarios/library/09-camera-drops-out.yaml'),
      layout,
    );
    assert.deepEqual(outage.sceneAt(3000).camerasOffline, ['cam-2']);
    assert.deepEqual(outage.sceneAt(8000).camerasOffline, []);
    const pickup = compileScenario(
      await loadScenarioFile('simulator/scenarios/library/03-pickup-with-session.yaml'),
      layout,
    );
    assert.equal(pickup.sceneAt(3000).locator.laser.on, true);
    assert.deepEqual(pickup.sceneAt(3000).locator.strobesOn, ['Z1']);
    assert.equal(pickup.sceneAt(8000).locator.laser.on, false);
  });

  test('the same scenario gives the same packages and poses every time', async () => {
    const file = 'simulator/scenarios/library/02-several-packages-one-visit.yaml';
    const a = compileScenario(await loadScenarioFile(file), layout).sceneAt(30_000);
    const b = compileScenario(await loadScenarioFile(file), layout).sceneAt(30_000);
    assert.deepEqual(a, b);
  });

  test('references to things the room or the story does not have are each reported', () => {
    const issues = scenarioIssues(`${header}events:
  - {at: 1, do: arrive, person: c1, role: courier, unit: Q}
  - {at: 2, do: place, person: c1, package: p1, slot: Z9-9}
  - {at: 3, do: take, person: c1, package: p7}
  - {at: 4, do: place, person: ghost, package: p2, slot: A1-1}
  - {at: 5, do: camera-offline, camera: cam-9}
  - {at: 6, do: strobe, zone: Z7, on: true}
  - {at: 7, do: place, person: c1, package: p3, between: [A1-1, A1-3]}
`);
    const byPath = Object.fromEntries(issues.map((i) => [i.path, i.message]));
    assert.equal(byPath['events[0].unit'], 'no unit Q in the layout');
    assert.equal(byPath['events[1].slot'], 'no slot Z9-9 in the layout');
    assert.equal(byPath['events[2].package'], 'package p7 is not on a shelf at 3 s');
    assert.match(byPath['events[3].person']!, /ghost is not in the room at 4 s/);
    assert.equal(byPath['events[4].camera'], 'no camera cam-9 in the layout');
    assert.equal(byPath['events[5].zone'], 'no strobe zone Z7 in the layout');
    assert.equal(byPath['events[6].between'], 'A1-1 and A1-3 are not neighbours on one level');
  });

  test('events out of order, past the end, or with two targets are refused', () => {
    const issues = scenarioIssues(`${header}events:
  - {at: 5, do: lights, brightness: 0.2}
  - {at: 3, do: lights, brightness: 1}
  - {at: 25, do: lights, brightness: 1}
`);
    assert.deepEqual(
      issues.map((i) => i.path),
      ['events[1].at', 'events[2].at'],
    );
    assert.throws(
      () =>
        parseScenario(
          `${header}events:\n  - {at: 1, do: place, person: c1, package: p1, slot: A1-1, onTopOf: p0}\n`,
          'two.yaml',
        ),
      (error: unknown) =>
        error instanceof ScenarioError &&
        error.issues[0]!.message === 'give exactly one of slot, between or onTopOf',
    );
  });

  test('malformed scenario files name the field or the YAML problem', () => {
    assert.throws(
      () => parseScenario(`${header}events:\n  - {at: -1, do: dance}\n`, 'bad.yaml'),
      (error: unknown) =>
        error instanceof ScenarioError &&
        error.issues.some((i) => i.path === 'events[0].do' && /must be one of arrive/.test(i.message)),
    );
    assert.throws(() => parseScenario('name: [unclosed', 'bad.yaml'), /not valid YAML/);
    assert.throws(
      () => parseScenario('name: x\n', 'short.yaml'),
      (error: unknown) =>
        error instanceof ScenarioError && error.issues.some((i) => i.path === 'description'),
    );
  });
});
