import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { loadLayoutFile, type RoomLayout } from '../../calibration/index.ts';
import {
  createLocatorClient,
  DeviceEmulator,
  HwCommandError,
  type HwDaemon,
  HwDriverError,
  type LocatorClient,
  limitsFromLayout,
  SerialDriver,
  slotTarget,
  startHwDaemon,
} from '../../hw-controller/index.ts';
import { type DaemonProcess, startDaemonProcess } from '../support/hw-daemon-process.ts';
import { eventually } from '../support/hw-link.ts';
import { openPtyPair, type PtyPair } from '../support/pty-pair.ts';

/** What the device was told, without the keepalive PINGs that come whenever the line is idle. */
const commands = (device: DeviceEmulator) => device.state.log.filter((line) => line !== 'PING');

describe('the serial driver over a socat pty pair, with the device emulator on the far end', () => {
  let layout: RoomLayout;
  let pty: PtyPair;
  let device: DeviceEmulator;
  let daemon: HwDaemon;
  let client: LocatorClient;

  before(async () => {
    layout = await loadLayoutFile('calibration/rooms/demo-room.yaml');
    pty = await openPtyPair();
    device = await DeviceEmulator.open(pty.devicePath);
    const driver = await SerialDriver.open({ path: pty.hostPath, replyTimeoutMs: 100, attempts: 2 });
    daemon = await startHwDaemon({
      bind: 'tcp://127.0.0.1:*',
      driver,
      limits: limitsFromLayout(layout),
      heartbeatTimeoutMs: 1000,
    });
    client = createLocatorClient({ endpoint: daemon.endpoint, heartbeatMs: 100, requestTimeoutMs: 500 });
  });

  after(async () => {
    await client?.close();
    await daemon?.close();
    await device?.close();
    await pty?.close();
  });

  test('the daemon starts the device dark and locked, then pointing sends AIM, LASER and STROBE lines the device confirms', async () => {
    assert.deepEqual(device.state.log.slice(0, 3), ['PING', 'OFF', 'DOOR 0']);
    const startCount = commands(device).length;
    const target = slotTarget(layout, 'A4-3');
    const state = await client.pointAt({ ...target, strobePattern: 'pulse' });
    assert.equal(state.driver, 'serial');
    assert.equal(state.laser.on, true);
    assert.deepEqual(commands(device).slice(startCount), [
      `AIM ${target.panDeg.toFixed(2)} ${target.tiltDeg.toFixed(2)}`,
      'LASER 1',
      'STROBE Z1 PULSE',
    ]);
    assert.equal(device.state.laser.on, true);
    assert.equal(device.state.laser.panDeg, Number(target.panDeg.toFixed(2)));
    assert.deepEqual(device.state.strobes, { Z1: 'PULSE' });

    await client.unlockDoor(1000);
    assert.equal(device.state.doorUnlocked, true);
    await client.lockDoor();
    assert.equal(device.state.doorUnlocked, false);
    await client.off();
    assert.equal(device.state.laser.on, false);
    assert.deepEqual(device.state.strobes, {});
  });

  test('a device that stops answering, even to the emergency off, leaves the outputs unknown (not off); the daemon retries the off until the device confirms it', async () => {
    const lit = await client.pointAt(slotTarget(layout, 'B1-1'));
    assert.equal(lit.laser.output, 'on');
    device.silent = true;
    let ignoredBefore = 0;
    try {
      await assert.rejects(client.off(), (error: HwCommandError) => {
        assert.ok(error instanceof HwCommandError);
        assert.equal(error.code, 'driver_failed');
        assert.match(error.message, /did not confirm OFF after 2 attempts: no reply within \d+ ms/);
        return true;
      });
      const state = await client.state();
      assert.equal(state.cause, 'driver-error');
      assert.equal(state.laser.output, 'unknown', 'the off failed: nobody knows whether the laser is dark');
      assert.equal(state.laser.on, true, 'unknown reads as possibly lit');
      assert.ok(state.laser.remainingMs !== null, 'the laser’s own on-time limit keeps running');
      assert.deepEqual(
        state.strobes.map((s) => [s.zoneId, s.output]),
        [['Z1', 'unknown']],
      );
      assert.equal(device.state.laser.on, true, 'a hung device really is still lit');
      ignoredBefore = device.ignored.filter((w) => w === 'OFF').length;
      await eventually('the daemon to try the off again, twice, by itself', () =>
        device.ignored.filter((w) => w === 'OFF').length >= ignoredBefore + 2 ? true : undefined,
      );
    } finally {
      device.silent = false;
    }
    const recovered = await eventually('the daemon to confirm the off', async () => {
      const s = await client.state();
      return s.laser.output === 'off' ? s : undefined;
    });
    assert.equal(recovered.cause, 'driver-recovered');
    assert.deepEqual(recovered.strobes, []);
    assert.equal(device.state.laser.on, false, 'nobody sent off: the daemon’s retry did');
    assert.deepEqual(device.state.strobes, {});
    const again = await client.pointAt(slotTarget(layout, 'B1-1'));
    assert.equal(again.laser.output, 'on', 'the next command works again');
    assert.equal(device.state.laser.on, true);
    await client.off();
  });

  test('a reply damaged on the line is caught by its checksum and the command is sent again', async () => {
    device.garbleReplies = 1;
    const before = commands(device).length;
    const state = await client.unlockDoor(500);
    assert.equal(state.door.unlocked, true);
    assert.deepEqual(
      commands(device).slice(before),
      ['DOOR 1', 'DOOR 1'],
      'sent twice, applied twice, harmless',
    );
    await client.lockDoor();
  });

  test('the heartbeat watchdog switches the device’s laser off when the client goes quiet', async () => {
    // The other client wants nothing lit, and leaves: on a loaded machine its reconnects would
    // otherwise re-send that wish, a command that could land just after the watchdog's off.
    await client.off();
    await client.close();
    const quiet = createLocatorClient({ endpoint: daemon.endpoint, heartbeatMs: 100 });
    await quiet.pointAt(slotTarget(layout, 'C3-2'));
    assert.equal(device.state.laser.on, true);
    await quiet.close();
    let causeWhenDark: string | undefined;
    await eventually('the device laser to go off', () => {
      if (device.state.laser.on) return undefined;
      causeWhenDark = daemon.state().cause;
      return true;
    });
    assert.equal(causeWhenDark, 'link-lost');
    assert.equal(commands(device).at(-1), 'OFF');
  });

  test('a missing serial port fails at open with the path and the reason', async () => {
    await assert.rejects(SerialDriver.open({ path: `${pty.hostPath}-missing` }), (error: Error) => {
      assert.ok(error instanceof HwDriverError);
      assert.match(error.message, /cannot open serial port .*host-missing/);
      return true;
    });
  });
});

describe('parcelroom hw-controller --driver serial as its own process', () => {
  let pty: PtyPair;
  let device: DeviceEmulator;
  let daemon: DaemonProcess | undefined;
  let client: LocatorClient | undefined;

  before(async () => {
    pty = await openPtyPair();
    device = await DeviceEmulator.open(pty.devicePath);
  });
  after(async () => {
    await client?.close();
    await daemon?.stop('SIGKILL');
    await device?.close();
    await pty?.close();
  });

  test('drives the device named by --serial-port and switches it off on SIGTERM', async () => {
    daemon = await startDaemonProcess([
      '--driver',
      'serial',
      '--serial-port',
      pty.hostPath,
      '--baud',
      '57600',
      '--bind',
      'tcp://127.0.0.1:*',
      '--heartbeat-timeout-ms',
      '1000',
    ]);
    client = createLocatorClient({ endpoint: daemon.endpoint, heartbeatMs: 100 });
    const layout = await loadLayoutFile('calibration/rooms/demo-room.yaml');
    const state = await client.pointAt(slotTarget(layout, 'C4-4'));
    assert.equal(state.driver, 'serial');
    assert.equal(device.state.laser.on, true);
    assert.deepEqual(device.state.strobes, { Z2: 'FLASH' });
    assert.equal(await daemon.stop(), 0);
    assert.equal(device.state.laser.on, false, 'the daemon left the laser off');
    assert.equal(device.state.doorUnlocked, false);
    assert.deepEqual(commands(device).slice(-2), ['OFF', 'DOOR 0']);
  });
});
