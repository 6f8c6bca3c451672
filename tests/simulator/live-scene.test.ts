import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { loadLayoutFile, pointInPolygon, type RoomLayout } from '../../calibration/index.ts';
import {
  LiveCommandError,
  openSimulatedRoom,
  type SimulatedRoom,
  type SimulatorServer,
  startSimulatorServer,
} from '../../simulator/index.ts';

interface Receipt {
  slotId: string;
  packageId: string;
  changesAtMs: number;
  doneAtMs: number;
}

describe('simulator live scene', () => {
  let layout: RoomLayout;
  let room: SimulatedRoom;
  let server: SimulatorServer;
  // The test holds the room clock, so what the cameras see at each step is known.
  let nowMs = 0;

  before(async () => {
    layout = await loadLayoutFile('calibration/rooms/demo-room.yaml');
    room = await openSimulatedRoom({ layout, scenario: 'live', seed: 7 });
    server = await startSimulatorServer({
      room,
      fps: 10,
      clock: () => nowMs,
      panelLinks: () => ({ kiosk: 'http://127.0.0.1:1/kiosk' }),
    });
  });
  after(async () => {
    await server?.close();
  });

  const post = async (path: string, body: unknown) => {
    const response = await fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  };
  const scene = async () =>
    (await (await fetch(`${server.url}/scene`)).json()) as {
      slots: Record<string, string[]>;
      freeSlots: string[];
    };

  test('the live room starts empty with every slot free', async () => {
    const s = await scene();
    assert.equal(s.freeSlots.length, Object.keys(s.slots).length);
    assert.ok(Object.values(s.slots).every((ids) => ids.length === 0));
  });

  test('a placed package appears halfway through the reach, rests in its slot, and the courier leaves', async () => {
    nowMs = 10_000;
    const { status, body } = await post('/scene/place', { slotId: 'B3-2', packageId: 'parcel-1' });
    assert.equal(status, 202);
    const receipt = body as Receipt;
    assert.equal(receipt.slotId, 'B3-2');
    assert.ok(receipt.changesAtMs > nowMs && receipt.doneAtMs > receipt.changesAtMs);

    // Before the hand gets there: nobody has put anything down, but the slot is spoken for.
    nowMs = receipt.changesAtMs - 200;
    let s = await scene();
    assert.deepEqual(s.slots['B3-2'], []);
    assert.ok(!s.freeSlots.includes('B3-2'));
    const midReach = (await (await fetch(`${server.url}/cameras/cam-2/truth`)).json()) as {
      people: unknown[];
    };
    assert.equal(midReach.people.length, 1, 'the courier is in view of cam-2 while reaching');

    nowMs = receipt.doneAtMs + 100;
    s = await scene();
    assert.deepEqual(s.slots['B3-2'], ['parcel-1']);
    const truth = (await (await fetch(`${server.url}/cameras/cam-2/truth`)).json()) as {
      boxes: Array<{ packageId: string; x: number; y: number; width: number; height: number }>;
      people: unknown[];
    };
    assert.equal(truth.people.length, 0, 'the courier has left');
    const box = truth.boxes.find((b) => b.packageId === 'parcel-1');
    assert.ok(box, 'cam-2 sees the package');
    const cell = layout.cameras.find((c) => c.id === 'cam-2')!.slots['B3-2']!;
    assert.ok(pointInPolygon([box.x + box.width / 2, box.y + box.height - 2], cell));
  });

  test('placing on an occupied slot is refused with 409 and changes nothing', async () => {
    const before = await scene();
    const { status, body } = await post('/scene/place', { slotId: 'B3-2' });
    assert.equal(status, 409);
    assert.equal(body.error.code, 'slot_occupied');
    assert.match(body.error.message, /B3-2 already holds package parcel-1/);
    assert.deepEqual(await scene(), before);
  });

  test('unknown slots, empty slots and malformed commands get clear errors', async () => {
    const unknown = await post('/scene/place', { slotId: 'Z9-9' });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error.code, 'unknown_slot');
    const empty = await post('/scene/take', { slotId: 'A1-1' });
    assert.equal(empty.status, 409);
    assert.equal(empty.body.error.code, 'slot_empty');
    const malformed = await post('/scene/place', { slotId: 'A1-1', colour: 'red' });
    assert.equal(malformed.status, 400);
    assert.equal(malformed.body.error.code, 'invalid_command');
    const badKind = await post('/scene/place', { kind: 'piano' });
    assert.equal(badKind.status, 400);
    assert.match(badKind.body.error.message, /kind/);
    const noSlot = await post('/scene/take', {});
    assert.equal(noSlot.status, 400);
    assert.match(noSlot.body.error.message, /slotId/);
  });

  test('a place without a slot picks a free one', async () => {
    const { status, body } = await post('/scene/place', {});
    assert.equal(status, 202);
    assert.notEqual(body.slotId, 'B3-2');
    nowMs = (body as Receipt).doneAtMs + 100;
    const s = await scene();
    assert.deepEqual(s.slots[body.slotId], [body.packageId]);
  });

  test('a taken package leaves the truth halfway through the reach and the slot is free again', async () => {
    const { status, body } = await post('/scene/take', { slotId: 'B3-2' });
    assert.equal(status, 202);
    const receipt = body as Receipt;
    assert.equal(receipt.packageId, 'parcel-1');
    nowMs = receipt.changesAtMs - 100;
    assert.deepEqual((await scene()).slots['B3-2'], ['parcel-1']);
    const again = await post('/scene/take', { slotId: 'B3-2' });
    assert.equal(again.status, 409, 'a package already on its way out cannot be taken twice');
    nowMs = receipt.doneAtMs + 100;
    const s = await scene();
    assert.deepEqual(s.slots['B3-2'], []);
    assert.ok(s.freeSlots.includes('B3-2'));
  });

  test('taking a package still being placed is refused until it rests', () => {
    const receipt = room.place('C1-1', nowMs);
    assert.throws(
      () => room.take('C1-1', nowMs + 10),
      (error: unknown) => error instanceof LiveCommandError && error.code === 'slot_busy',
    );
    assert.doesNotThrow(() => room.take('C1-1', receipt.doneAtMs));
  });

  test('live packages are added to a scripted scenario without landing on its packages', async () => {
    const scripted = await openSimulatedRoom({ layout, scenario: '01-single-delivery' });
    const atMs = 12_000;
    assert.deepEqual(scripted.truthAt(atMs).slots['B3-2'], ['p1']);
    assert.throws(() => scripted.place('B3-2', atMs), /B3-2 already holds/);
    const receipt = scripted.place('A2-1', atMs, { packageId: 'extra' });
    const truth = scripted.truthAt(receipt.doneAtMs);
    assert.deepEqual(truth.slots['A2-1'], ['extra']);
    assert.deepEqual(truth.slots['B3-2'], ['p1']);
  });

  test('the control panel is served with its own assets and the links it was given', async () => {
    const page = await fetch(`${server.url}/demo`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'self'/);
    const html = await page.text();
    assert.ok(
      !/https?:\/\//.test(html.replace(/http:\/\/www\.w3\.org[^"]*/g, '')),
      'no outside URL in the page',
    );
    for (const asset of ['/demo/control-panel.js', '/demo/control-panel.css']) {
      assert.ok(html.includes(asset));
      assert.equal((await fetch(`${server.url}${asset}`)).status, 200);
    }
    const links = (await (await fetch(`${server.url}/demo/links.json`)).json()) as {
      links: Record<string, string>;
    };
    assert.deepEqual(links.links, { kiosk: 'http://127.0.0.1:1/kiosk' });
  });
});
