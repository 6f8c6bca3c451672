import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { after, before, describe, test } from 'node:test';
import { Registry } from 'prom-client';
import { loadLayoutFile, type RoomLayout } from '../../calibration/index.ts';
import {
  createHwLinkMetrics,
  createLocatorClient,
  HwLinkTimeoutError,
  type LocatorClient,
  slotTarget,
} from '../../hw-controller/index.ts';
import { openSimulatedRoom, type SimulatorServer, startSimulatorServer } from '../../simulator/index.ts';
import { type DaemonProcess, startDaemonProcess } from '../support/hw-daemon-process.ts';
import { eventually, RawPeer, simulatorLocator } from '../support/hw-link.ts';
import { repoRoot } from '../support/service-process.ts';

// The tests wait mostly on other processes (start-up, heartbeats), so they run side by side, each
// with its own simulator and daemons.
describe('the hw-controller daemon as its own process', { concurrency: true }, () => {
  let layout: RoomLayout;
  const simulators: SimulatorServer[] = [];
  const daemons: DaemonProcess[] = [];
  const cleanups: (() => unknown)[] = [];

  const openSimulator = async () => {
    const simulator = await startSimulatorServer({ room: await openSimulatedRoom({ layout }), fps: 10 });
    simulators.push(simulator);
    return simulator;
  };
  const daemonArgs = (simulator: SimulatorServer, bind: string) => [
    '--driver',
    'sim',
    '--bind',
    bind,
    '--simulator-url',
    simulator.url,
    '--heartbeat-timeout-ms',
    '1000',
    '--log-level',
    'info',
  ];
  const startDaemon = async (simulator: SimulatorServer, bind = 'tcp://127.0.0.1:*') => {
    const daemon = await startDaemonProcess(daemonArgs(simulator, bind));
    daemons.push(daemon);
    return daemon;
  };

  before(async () => {
    layout = await loadLayoutFile('calibration/rooms/demo-room.yaml');
  });

  after(async () => {
    for (const cleanup of cleanups) await cleanup();
    for (const daemon of daemons) await daemon.stop('SIGKILL');
    for (const simulator of simulators) await simulator.close();
  });

  test('killed and restarted mid-pickup, the daemon gets the current state again from the reconnecting client', async () => {
    const simulator = await openSimulator();
    const first = await startDaemon(simulator);
    const registry = new Registry();
    const client: LocatorClient = createLocatorClient({
      endpoint: first.endpoint,
      heartbeatMs: 100,
      heartbeatTimeoutMs: 300,
      metrics: createHwLinkMetrics(registry),
    });
    cleanups.push(() => client.close());
    const target = slotTarget(layout, 'B3-2');
    const acked = await client.pointAt(target);
    const firstSession = acked.sessionId;

    assert.equal(await first.stop('SIGKILL'), null);
    await eventually('the client to see the link down', () =>
      client.linkState === 'down' ? true : undefined,
    );
    // The restarted daemon starts dark, so a lit laser afterwards can only come from the client.
    const second = await startDaemon(simulator, first.endpoint);
    // The sim driver makes three calls for a point (aim, laser, strobe): wait for all three.
    const rendered = await eventually('the laser and the strobe to be lit again', async () => {
      const s = await simulatorLocator(simulator.url);
      return s.laser.on && s.strobesOn.length > 0 ? s : undefined;
    });
    assert.deepEqual(rendered.laser, { on: true, panDeg: target.panDeg, tiltDeg: target.tiltDeg });
    assert.deepEqual(rendered.strobesOn, ['Z1']);
    const state = await client.state();
    assert.notEqual(state.sessionId, firstSession, 'a new daemon session');
    assert.equal(state.laser.on, true);
    assert.ok(state.laser.remainingMs! > 0 && state.laser.remainingMs! <= target.laserMaxOnMs!);
    assert.equal(client.linkState, 'up');
    assert.match(await registry.metrics(), /parcelroom_hw_resyncs_total [1-9]/);
    assert.match(await registry.metrics(), /parcelroom_hw_reconnects_total [1-9]/);

    await client.off();
    // Closed now, not after the suite: a later daemon may get this port and this client's resync.
    await client.close();
    assert.equal(await second.stop(), 0, 'SIGTERM stops it cleanly');
    assert.match(second.output(), /"cause":"shutdown"/);
  });

  test('a target asked for while the daemon is down times out, and is what the client sends once the daemon is back', async () => {
    const simulator = await openSimulator();
    const first = await startDaemon(simulator);
    const client = createLocatorClient({
      endpoint: first.endpoint,
      heartbeatMs: 100,
      heartbeatTimeoutMs: 300,
      requestTimeoutMs: 100,
      attempts: 2,
    });
    cleanups.push(() => client.close());
    await client.off();
    await first.stop('SIGKILL');
    const target = slotTarget(layout, 'A5-4');
    await assert.rejects(client.pointAt(target), HwLinkTimeoutError);
    await startDaemon(simulator, first.endpoint);
    const rendered = await eventually('the laser to be lit at the asked target', async () => {
      const s = await simulatorLocator(simulator.url);
      return s.laser.on && s.laser.panDeg === target.panDeg && s.strobesOn.length > 0 ? s : undefined;
    });
    assert.deepEqual(rendered.strobesOn, ['Z1']);
    await client.off();
    await client.close();
  });

  test('when the service process is killed, the daemon switches the laser off by itself', async () => {
    const simulator = await openSimulator();
    const daemon = await startDaemon(simulator);
    const service = spawn(
      process.execPath,
      ['--import', 'tsx', 'tests/support/hw-pointing-client.ts', daemon.endpoint, 'C2-3'],
      { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    cleanups.push(() => service.exitCode === null && service.signalCode === null && service.kill('SIGKILL'));
    let out = '';
    service.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
    });
    await eventually(
      'the service to point',
      () => (out.includes('"pointed":"C2-3"') ? true : undefined),
      120_000,
    );
    assert.equal((await simulatorLocator(simulator.url)).laser.on, true);

    const exited = once(service, 'exit');
    service.kill('SIGKILL');
    await exited;

    const rendered = await eventually('the laser to go off', async () => {
      const s = await simulatorLocator(simulator.url);
      return s.laser.on ? undefined : s;
    });
    assert.deepEqual(rendered.strobesOn, []);
    // A monitoring peer asks; it never took control, so asking does not keep the laser alive.
    const monitor = new RawPeer(daemon.endpoint);
    cleanups.push(() => monitor.close());
    const reply = await monitor.request({ type: 'get-state', id: 1 });
    assert.equal(reply.type, 'ack');
    assert.equal(reply.state.laser.on, false);
    assert.equal(reply.state.cause, 'link-lost');
    assert.match(daemon.output(), /controlling peer went quiet/);
  });

  test('a bad flag stops the daemon with one line naming it', async () => {
    const child = spawn(process.execPath, ['bin/parcelroom.js', 'hw-controller', '--driver', 'usb'], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      err += chunk;
    });
    const [code] = await once(child, 'exit');
    assert.equal(code, 2);
    assert.equal(err.trim(), 'parcelroom: --driver must be sim or serial');
  });
});
