import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { loadLayoutFile, type RoomLayout } from '../../calibration/index.ts';
import {
  createLocatorClient,
  DeviceEmulator,
  type HwDaemon,
  type LocatorClient,
  limitsFromLayout,
  SerialDriver,
  SimDriver,
  slotTarget,
  startHwDaemon,
} from '../../hw-controller/index.ts';
import { openSimulatedRoom, type SimulatorServer, startSimulatorServer } from '../../simulator/index.ts';
import { type DaemonProcess, startDaemonProcess } from '../support/hw-daemon-process.ts';
import { eventually, RawPeer, simulatorLocator } from '../support/hw-link.ts';
import { openPtyPair, type PtyPair } from '../support/pty-pair.ts';

let layout: RoomLayout;
before(async () => {
  layout = await loadLayoutFile('calibration/rooms/demo-room.yaml');
});

describe('ordering and daemon sessions (sim driver, daemon in this process)', () => {
  let simulator: SimulatorServer;
  const daemons: HwDaemon[] = [];
  const closers: (() => unknown)[] = [];
  const startDaemon = async (bind = 'tcp://127.0.0.1:*') => {
    const daemon = await startHwDaemon({
      bind,
      driver: new SimDriver({ simulatorUrl: simulator.url }),
      limits: limitsFromLayout(layout),
      heartbeatTimeoutMs: 5000,
    });
    daemons.push(daemon);
    return daemon;
  };

  before(async () => {
    simulator = await startSimulatorServer({ room: await openSimulatedRoom({ layout }), fps: 5 });
  });
  after(async () => {
    for (const close of closers) await close();
    for (const daemon of daemons) await daemon.close().catch(() => undefined);
    await simulator?.close();
  });

  test('a get-state sent right behind an aim is answered after the aim, with the aimed angles', async () => {
    const daemon = await startDaemon();
    const peer = new RawPeer(daemon.endpoint);
    closers.push(() => peer.close());
    let id = 1;
    for (let round = 0; round < 30; round++) {
      const panDeg = round % 2 === 0 ? 10 + round : -10 - round;
      // Both go out before any reply: the aim waits for the simulator's HTTP answer, the query must wait for the aim.
      await peer.send({ type: 'aim', id: id++, panDeg, tiltDeg: -20 });
      await peer.send({ type: 'get-state', id: id++ });
      const first = await peer.nextReply();
      const second = await peer.nextReply();
      assert.equal(first.type, 'ack');
      assert.equal(second.type, 'ack');
      assert.equal(second.id, first.id + 1, 'replies come in the order of the requests');
      assert.equal(second.state.laser.panDeg, panDeg, `round ${round}: the query reflects the aim`);
      assert.ok(second.state.seq >= first.state.seq);
    }
  });

  test('a restarted daemon refuses a command stamped with the earlier session and changes nothing', async () => {
    const first = await startDaemon();
    const oldSession = first.state().sessionId;
    const endpoint = first.endpoint;
    await first.close();
    const second = await startDaemon(endpoint);
    assert.notEqual(second.state().sessionId, oldSession);
    const peer = new RawPeer(endpoint);
    closers.push(() => peer.close());
    const stale = await peer.request({ type: 'door-unlock', id: 1, session: oldSession, durationMs: 5000 });
    assert.equal(stale.type, 'error');
    if (stale.type === 'error') {
      assert.equal(stale.code, 'stale_session');
      assert.match(stale.message, new RegExp(`sent to daemon session ${oldSession}`));
    }
    assert.equal(stale.state.door.unlocked, false, 'the old unlock was not applied');
    assert.equal(stale.state.seq, second.state().seq);
    const stalePoint = await peer.request({
      type: 'point',
      id: 2,
      session: oldSession,
      panDeg: 0,
      tiltDeg: -20,
      laserMaxOnMs: 1000,
    });
    assert.equal(stalePoint.type === 'error' && stalePoint.code, 'stale_session');
    assert.equal((await simulatorLocator(simulator.url)).laser.on, false);
    const current = await peer.request({ type: 'door-lock', id: 3, session: second.state().sessionId });
    assert.equal(current.type, 'ack', 'a command for the current session is applied');
    const unstamped = await peer.request({ type: 'door-lock', id: 4 });
    assert.equal(unstamped.type, 'ack', 'an unstamped command (first contact) is applied');
  });

  test('after a daemon restart the client sends the door unlock again for the time left of it, with laser and strobe', async () => {
    const first = await startDaemon();
    const endpoint = first.endpoint;
    const client = createLocatorClient({ endpoint, heartbeatMs: 100 });
    closers.push(() => client.close());
    const target = slotTarget(layout, 'B2-2');
    await client.pointAt(target);
    const unlocked = await client.unlockDoor(10_000);
    assert.equal(unlocked.door.relay, 'unlocked');
    const firstSession = unlocked.sessionId;
    await first.close();
    const second = await startDaemon(endpoint);
    const resent = await eventually('the new daemon to have the door unlocked and the laser lit', () => {
      const s = second.state();
      return s.door.relay === 'unlocked' && s.laser.output === 'on' ? s : undefined;
    });
    assert.notEqual(resent.sessionId, firstSession);
    assert.ok(
      resent.door.remainingMs! > 0 && resent.door.remainingMs! < 10_000,
      `only the time left: ${resent.door.remainingMs} ms`,
    );
    assert.equal(resent.laser.panDeg, target.panDeg);
    await client.lockDoor();
    await client.off();
    await client.close();
  });
});

describe('the serial device’s own watchdog and a port that comes back', () => {
  const watchdogMs = 1500;
  let pty: PtyPair | undefined;
  let device: DeviceEmulator | undefined;
  let daemonProcess: DaemonProcess | undefined;
  let daemon: HwDaemon | undefined;
  let client: LocatorClient | undefined;

  after(async () => {
    await client?.close();
    await daemonProcess?.stop('SIGKILL');
    await daemon?.close().catch(() => undefined);
    await device?.close();
    await pty?.close();
  });

  test('the device keeps its laser on while the daemon feeds it, and switches it off by its watchdog within its bound when the daemon is killed', async () => {
    pty = await openPtyPair();
    device = await DeviceEmulator.open(pty.devicePath, { watchdogMs });
    daemonProcess = await startDaemonProcess([
      '--driver',
      'serial',
      '--serial-port',
      pty.hostPath,
      '--serial-keepalive-ms',
      '200',
      '--bind',
      'tcp://127.0.0.1:*',
      '--heartbeat-timeout-ms',
      '5000',
    ]);
    client = createLocatorClient({ endpoint: daemonProcess.endpoint, heartbeatMs: 200 });
    await client.pointAt(slotTarget(layout, 'C4-4'));
    const emulator = device;
    assert.equal(emulator.state.laser.on, true);
    const litAtMs = performance.now();
    // Keepalives, not commands, keep it lit: wait (on the device's clock) for twice its watchdog.
    await eventually(
      'the device to stay lit for two watchdog periods',
      () => {
        const pings = emulator.events.filter((e) => e.what === 'frame' && e.atMs > litAtMs);
        return pings.length > 0 && pings.at(-1)!.atMs - litAtMs > 2 * watchdogMs ? true : undefined;
      },
      30_000,
    );
    assert.equal(emulator.state.laser.on, true, 'still lit: the keepalives fed the watchdog');
    assert.deepEqual(
      emulator.events.filter((e) => e.what === 'watchdog'),
      [],
    );

    await daemonProcess.stop('SIGKILL');
    await eventually(
      'the device laser to go dark',
      () => (emulator.state.laser.on ? undefined : true),
      30_000,
    );
    const trip = emulator.events.find((e) => e.what === 'watchdog');
    assert.ok(trip, 'its watchdog switched it off (the killed daemon sent no OFF)');
    assert.match(trip.detail, /laser/);
    assert.match(trip.detail, /strobe Z2/);
    const lastFrame = emulator.events.filter((e) => e.what === 'frame' && e.atMs < trip.atMs).at(-1)!;
    assert.notEqual(lastFrame.detail, 'OFF');
    // The bound, on the device's own clock: never before watchdogMs of silence, and the first check after it.
    assert.ok(trip.quietMs! >= watchdogMs, `tripped after ${trip.quietMs} ms of silence`);
    assert.equal(
      trip.atMs - lastFrame.atMs,
      trip.quietMs,
      'the silence began with the last frame the daemon sent',
    );
    assert.ok(
      trip.quietMs! < watchdogMs + 5000,
      `and it tripped on that silence, not a later one: ${trip.quietMs} ms`,
    );
    assert.equal(emulator.state.doorUnlocked, false);
    await client.close();
    client = undefined;
  });

  test('a serial port that disappears is opened again when it is back, and the device is told the outputs again', async () => {
    await device?.close();
    await pty?.close();
    pty = await openPtyPair({ keepDir: true });
    device = await DeviceEmulator.open(pty.devicePath);
    const driver = await SerialDriver.open({ path: pty.hostPath, keepaliveMs: 100, reopenMs: 50 });
    daemon = await startHwDaemon({
      bind: 'tcp://127.0.0.1:*',
      driver,
      limits: limitsFromLayout(layout),
      heartbeatTimeoutMs: 5000,
    });
    client = createLocatorClient({ endpoint: daemon.endpoint, heartbeatMs: 200 });
    const target = slotTarget(layout, 'A4-3');
    await client.pointAt(target);
    await client.unlockDoor(10_000);
    assert.equal(device.state.laser.on, true);

    // The cable is pulled: socat and its ptys go away. Then a device is plugged in at the same path.
    const paths = { hostPath: pty.hostPath, devicePath: pty.devicePath };
    await device.close();
    await pty.close();
    pty = await openPtyPair({ at: paths });
    const replugged = await DeviceEmulator.open(pty.devicePath);
    device = replugged;
    await eventually(
      'the new device to be lit at the target again',
      () =>
        replugged.state.laser.on && replugged.state.strobes.Z1 && replugged.state.doorUnlocked
          ? true
          : undefined,
      30_000,
    );
    const told = replugged.state.log.filter((line) => line !== 'PING');
    assert.deepEqual(told.slice(0, 5), [
      'OFF',
      `AIM ${target.panDeg.toFixed(2)} ${target.tiltDeg.toFixed(2)}`,
      'LASER 1',
      'STROBE Z1 FLASH',
      'DOOR 1',
    ]);
    assert.equal(replugged.state.doorUnlocked, true);
    const state = await client.state();
    assert.equal(state.laser.output, 'on');
    await client.off();
    await client.lockDoor();
    assert.equal(replugged.state.laser.on, false);
  });
});

describe('npx parcelroom hw-controller', () => {
  let simulator: SimulatorServer;
  let daemon: DaemonProcess | undefined;
  before(async () => {
    simulator = await startSimulatorServer({ room: await openSimulatedRoom({ layout }), fps: 5 });
  });
  after(async () => {
    await daemon?.stop('SIGKILL');
    await simulator?.close();
  });

  test('SIGTERM to the npx process reaches the daemon: it switches the laser off and exits', async () => {
    daemon = await startDaemonProcess(
      ['--driver', 'sim', '--bind', 'tcp://127.0.0.1:*', '--simulator-url', simulator.url],
      120_000,
      'npx',
    );
    const client = createLocatorClient({ endpoint: daemon.endpoint, heartbeatMs: 200 });
    try {
      await client.pointAt(slotTarget(layout, 'B3-2'));
      assert.equal((await simulatorLocator(simulator.url)).laser.on, true);
      await daemon.stop('SIGTERM');
      // npm's own exit says nothing of the daemon under it; its output closing does.
      await daemon.ended;
      assert.match(daemon.output(), /"cause":"shutdown"/);
      assert.match(daemon.output(), /hw-controller stopped/);
      assert.equal((await simulatorLocator(simulator.url)).laser.on, false);
    } finally {
      await client.close();
    }
  });
});
