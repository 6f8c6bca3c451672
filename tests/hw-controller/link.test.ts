import assert from 'node:assert/strict';
import { type AddressInfo, createServer } from 'node:net';
import { after, before, beforeEach, describe, test } from 'node:test';
import { Registry } from 'prom-client';
import sharp from 'sharp';
import { loadLayoutFile, type RoomLayout } from '../../calibration/index.ts';
import {
  createHwLinkMetrics,
  createLocatorClient,
  HwCommandError,
  type HwDaemon,
  HwLinkTimeoutError,
  HwSupersededError,
  type LocatorClient,
  limitsFromLayout,
  maxBodyBytes,
  protocolTag,
  SimDriver,
  slotTarget,
  startHwDaemon,
} from '../../hw-controller/index.ts';
import { openSimulatedRoom, type SimulatorServer, startSimulatorServer } from '../../simulator/index.ts';
import { eventually, RawPeer, simulatorLocator } from '../support/hw-link.ts';

describe('the locator client and the daemon over tcp loopback, driving the simulator', () => {
  let layout: RoomLayout;
  let simulator: SimulatorServer;
  let simDriver: SimDriver;
  let daemon: HwDaemon;
  let client: LocatorClient;
  let registry: Registry;
  const peers: RawPeer[] = [];

  before(async () => {
    layout = await loadLayoutFile('calibration/rooms/demo-room.yaml');
    simulator = await startSimulatorServer({ room: await openSimulatedRoom({ layout }), fps: 10 });
    simDriver = new SimDriver({ simulatorUrl: simulator.url });
    // The daemon runs in this process: a stall of the event loop delays its watchdog and the
    // client's heartbeats alike, so the timeout is generous enough for a loaded machine.
    daemon = await startHwDaemon({
      bind: 'tcp://127.0.0.1:*',
      driver: simDriver,
      limits: limitsFromLayout(layout, { doorMaxOpenMs: 5000 }),
      heartbeatTimeoutMs: 1000,
    });
    registry = new Registry();
    client = createLocatorClient({
      endpoint: daemon.endpoint,
      heartbeatMs: 100,
      metrics: createHwLinkMetrics(registry),
    });
  });

  beforeEach(async () => {
    await client.off();
    await client.lockDoor();
  });

  after(async () => {
    for (const peer of peers) peer.close();
    await client?.close();
    await daemon?.close();
    await simulator?.close();
  });

  const rawPeer = () => {
    const peer = new RawPeer(daemon.endpoint);
    peers.push(peer);
    return peer;
  };

  test('pointing at a slot aims the laser, switches it on and starts the slot’s strobe, and the ack says so', async () => {
    const target = slotTarget(layout, 'B3-2');
    const state = await client.pointAt(target);
    assert.equal(state.laser.on, true);
    assert.equal(state.laser.panDeg, target.panDeg);
    assert.deepEqual(
      state.strobes.map((s) => s.zoneId),
      ['Z1'],
    );
    const rendered = await simulatorLocator(simulator.url);
    assert.deepEqual(rendered.laser, { on: true, panDeg: target.panDeg, tiltDeg: target.tiltDeg });
    assert.deepEqual(rendered.strobesOn, ['Z1']);
    assert.equal(client.linkState, 'up');
    const metrics = await registry.metrics();
    assert.match(metrics, /parcelroom_hw_link_up 1/);
    assert.match(metrics, /parcelroom_hw_round_trip_seconds_count\{type="point"\} [1-9]/);
  });

  test('the laser dot appears in the camera frame at the slot aimed at through the daemon', async () => {
    await client.pointAt(slotTarget(layout, 'B3-2'));
    const truth = (await (await fetch(`${simulator.url}/cameras/cam-2/truth`)).json()) as {
      laserDot: { x: number; y: number } | null;
    };
    assert.ok(truth.laserDot, 'cam-2 sees the dot');
    const cell = layout.cameras.find((c) => c.id === 'cam-2')!.slots['B3-2']!;
    const xs = cell.map(([x]) => x);
    const ys = cell.map(([, y]) => y);
    assert.ok(
      truth.laserDot.x >= Math.min(...xs) && truth.laserDot.x <= Math.max(...xs),
      'dot within the slot',
    );
    assert.ok(
      truth.laserDot.y >= Math.min(...ys) && truth.laserDot.y <= Math.max(...ys),
      'dot within the slot',
    );
    const jpeg = Buffer.from(
      await (await fetch(`${simulator.url}/cameras/cam-2/snapshot.jpg`)).arrayBuffer(),
    );
    const { data, info } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
    const at = (Math.round(truth.laserDot.y) * info.width + Math.round(truth.laserDot.x)) * info.channels;
    assert.ok(
      data[at]! > 180 && data[at]! > data[at + 1]! + 60,
      `the pixel at the dot is red: ${[...data.subarray(at, at + 3)]}`,
    );
  });

  test('a new target replaces one not yet acknowledged, and off replaces any pending target', async () => {
    const first = client.pointAt(slotTarget(layout, 'A1-1'));
    const second = client.pointAt(slotTarget(layout, 'C5-4'));
    await assert.rejects(first, HwSupersededError);
    const state = await second;
    assert.equal(state.laser.panDeg, slotTarget(layout, 'C5-4').panDeg);

    const third = client.pointAt(slotTarget(layout, 'B2-1'));
    const off = await client.off();
    await assert.rejects(third, HwSupersededError);
    assert.equal(off.laser.on, false);
    assert.equal((await simulatorLocator(simulator.url)).laser.on, false);
    assert.equal((await client.state()).laser.on, false, 'off is what the daemon ends with');
  });

  test('out-of-range aims, laser times beyond the layout’s maxOnMs, unknown zones and long door openings are refused and change nothing', async () => {
    await client.pointAt(slotTarget(layout, 'B3-2'));
    const before = await client.state();
    const refusals = [
      [{ panDeg: 120, tiltDeg: -20 }, /panDeg 120 is outside the mount's range -90 to 90/],
      [{ panDeg: 0, tiltDeg: 40 }, /tiltDeg 40 is outside/],
      [{ panDeg: 0, tiltDeg: -20, laserMaxOnMs: 600_000 }, /more than the laser's maximum on-time 60000/],
      [{ panDeg: 0, tiltDeg: -20, strobeZoneId: 'Z9' }, /no strobe zone Z9/],
    ] as const;
    for (const [target, message] of refusals) {
      await assert.rejects(client.pointAt(target), (error: HwCommandError) => {
        assert.ok(error instanceof HwCommandError);
        assert.match(error.message, message);
        return true;
      });
    }
    await assert.rejects(client.unlockDoor(60_000), /door's maximum open time 5000 ms/);
    const afterwards = await client.state();
    assert.equal(afterwards.seq, before.seq, 'no output changed');
    assert.deepEqual(afterwards.laser, { ...before.laser, remainingMs: afterwards.laser.remainingMs });
    assert.equal(afterwards.door.unlocked, false);
    assert.equal((await simulatorLocator(simulator.url)).laser.panDeg, before.laser.panDeg);
  });

  test('malformed, oversized, wrong-version and ill-typed messages get an error reply and change nothing', async () => {
    await client.pointAt(slotTarget(layout, 'B3-2'));
    const before = await client.state();
    const peer = rawPeer();
    const cases: [(string | Buffer)[], string, RegExp][] = [
      [[protocolTag, '{"type":"aim","id":1,"panDeg":'], 'malformed', /not valid JSON/],
      [[protocolTag], 'malformed', /expected 2 frames/],
      [['hello', '{}'], 'malformed', /protocol tag/],
      [
        ['parcelroom-hw/9', '{"type":"ping","id":1}'],
        'unsupported_version',
        /parcelroom-hw\/2, not parcelroom-hw\/9/,
      ],
      [['parcelroom-hw/1', '{"type":"ping","id":1}'], 'unsupported_version', /not parcelroom-hw\/1/],
      [
        [protocolTag, JSON.stringify({ type: 'off', id: 2, pad: 'x'.repeat(maxBodyBytes) })],
        'too_large',
        /at most 4096/,
      ],
      [
        [protocolTag, JSON.stringify({ type: 'aim', id: 3, panDeg: '10', tiltDeg: 0 })],
        'malformed',
        /panDeg/,
      ],
      [[protocolTag, JSON.stringify({ type: 'laser-on', id: 4 })], 'malformed', /maxOnMs/],
      [[protocolTag, JSON.stringify({ type: 'fire', id: 5 })], 'malformed', /type must be one of/],
      [[protocolTag, JSON.stringify({ type: 'off', id: 6, extra: true })], 'malformed', /extra/],
      [[protocolTag, JSON.stringify({ type: 'laser-on', id: 7, maxOnMs: 90_000 })], 'out_of_range', /60000/],
    ];
    for (const [frames, code, message] of cases) {
      const reply = await peer.exchange(frames);
      assert.equal(reply.type, 'error', `refused: ${String(frames[1]).slice(0, 40)}`);
      if (reply.type !== 'error') continue;
      assert.equal(reply.code, code);
      assert.match(reply.message, message);
      assert.equal(reply.state.seq, before.seq);
    }
    const ids = [
      await peer.request({ type: 'aim', id: 3, panDeg: '10', tiltDeg: 0 }),
      await peer.request({ type: 'laser-on', id: 7, maxOnMs: 90_000 }),
    ];
    assert.deepEqual(
      ids.map((r) => r.id),
      [3, 7],
      'an error names the request it refuses when the id could be read',
    );
    const afterwards = await client.state();
    assert.equal(afterwards.seq, before.seq);
    assert.equal(afterwards.laser.on, true);
  });

  test('the daemon switches the laser off by itself after its maximum on-time and reports why', async () => {
    const changes: string[] = [];
    const stop = client.on('state', (state) => changes.push(state.cause));
    await client.pointAt({ ...slotTarget(layout, 'A2-2'), laserMaxOnMs: 150, strobeDurationMs: 100 });
    const state = await eventually('the laser to go off', async () => {
      const s = await client.state();
      return s.laser.on ? undefined : s;
    });
    stop();
    assert.equal(state.cause, 'laser-max-on-time');
    assert.deepEqual(state.strobes, [], 'the strobe ran its duration too');
    assert.ok(changes.includes('strobe-duration'));
    assert.equal((await simulatorLocator(simulator.url)).laser.on, false);
  });

  test('the door relay closes after the requested open time, and never later than the daemon’s maximum', async () => {
    const open = await client.unlockDoor(200);
    assert.equal(open.door.unlocked, true);
    assert.equal(simDriver.door.unlocked, true);
    const closed = await eventually('the door to lock', async () => {
      const s = await client.state();
      return s.door.unlocked ? undefined : s;
    });
    assert.equal(closed.cause, 'door-max-open-time');
    assert.equal(simDriver.door.unlocked, false);
  });

  test('a client that goes quiet leaves the laser off: the daemon’s heartbeat watchdog switches it off', async () => {
    const quiet = createLocatorClient({ endpoint: daemon.endpoint, heartbeatMs: 100 });
    try {
      await quiet.pointAt(slotTarget(layout, 'C1-1'));
      assert.equal((await simulatorLocator(simulator.url)).laser.on, true);
    } finally {
      await quiet.close();
    }
    const rendered = await eventually('the simulator laser to go off', async () => {
      const s = await simulatorLocator(simulator.url);
      return s.laser.on ? undefined : s;
    });
    assert.deepEqual(rendered.strobesOn, []);
    assert.equal(daemon.state().cause, 'link-lost');
  });
});

describe('the locator client without a daemon', () => {
  test('a command is sent a bounded number of times and then fails with a timeout naming the endpoint', async () => {
    const registry = new Registry();
    const port = await freePort();
    const client = createLocatorClient({
      endpoint: `tcp://127.0.0.1:${port}`,
      heartbeatMs: 1000,
      requestTimeoutMs: 50,
      attempts: 3,
      metrics: createHwLinkMetrics(registry),
    });
    try {
      await assert.rejects(client.pointAt({ panDeg: 0, tiltDeg: -20 }), (error: Error) => {
        assert.ok(error instanceof HwLinkTimeoutError);
        assert.match(
          error.message,
          new RegExp(`no ack for point .* at tcp://127.0.0.1:${port} after 3 attempts \\(\\d+ ms in all\\)`),
        );
        return true;
      });
      const metrics = await registry.metrics();
      assert.match(metrics, /parcelroom_hw_retries_total\{type="point"\} 2/);
      assert.match(metrics, /parcelroom_hw_requests_total\{type="point",outcome="timeout"\} 1/);
      assert.equal(client.linkState, 'connecting');
    } finally {
      await client.close();
    }
  });

  test('a client started before its daemon gets its command through once the daemon binds', async () => {
    const layout = await loadLayoutFile('calibration/rooms/demo-room.yaml');
    const simulator = await startSimulatorServer({ room: await openSimulatedRoom({ layout }) });
    const endpoint = `tcp://127.0.0.1:${await freePort()}`;
    const client = createLocatorClient({ endpoint, heartbeatMs: 100, requestTimeoutMs: 100, attempts: 30 });
    let daemon: HwDaemon | undefined;
    try {
      const pointed = client.pointAt(slotTarget(layout, 'B2-2'));
      await new Promise((resolve) => setTimeout(resolve, 250));
      daemon = await startHwDaemon({
        bind: endpoint,
        driver: new SimDriver({ simulatorUrl: simulator.url }),
        limits: limitsFromLayout(layout),
        heartbeatTimeoutMs: 1000,
      });
      assert.equal((await pointed).laser.on, true);
      assert.equal((await simulatorLocator(simulator.url)).laser.on, true);
    } finally {
      await client.close();
      await daemon?.close();
      await simulator.close();
    }
  });
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
