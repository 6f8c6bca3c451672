import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Registry } from 'prom-client';
import { loadLayoutFile } from '../../../calibration/index.ts';
import {
  createHwLinkMetrics,
  createLocatorClient,
  type HardwareState,
  type LocatorClient,
  slotTarget,
} from '../../../hw-controller/index.ts';
import type { ServerMessage } from '../../../services/kiosk/index.ts';
import { openSimulatedRoom, type SimulatorServer, startSimulatorServer } from '../../../simulator/index.ts';
import { type DaemonProcess, startDaemonProcess } from '../../support/hw-daemon-process.ts';
import { KioskClient, type KioskWorld, observation, openKioskWorld } from './kiosk-harness.ts';

/** Resolves with the first state the daemon reports that satisfies `ok`. */
function stateWhere(locator: LocatorClient, ok: (s: HardwareState) => boolean, timeoutMs = 5000) {
  return new Promise<HardwareState>((resolve, reject) => {
    if (locator.lastState && ok(locator.lastState)) return resolve(locator.lastState);
    const timer = setTimeout(() => {
      off();
      reject(new Error(`locator state not reached; last ${JSON.stringify(locator.lastState)}`));
    }, timeoutMs);
    const off = locator.on('state', (s) => {
      if (!ok(s)) return;
      clearTimeout(timer);
      off();
      resolve(s);
    });
  });
}

describe('resident pickup with the locator through a real hw-controller daemon', () => {
  let simulator: SimulatorServer;
  let daemon: DaemonProcess;
  let locator: LocatorClient;
  let w: KioskWorld;
  const clients: KioskClient[] = [];

  before(async () => {
    const layout = await loadLayoutFile('calibration/rooms/demo-room.yaml');
    simulator = await startSimulatorServer({ room: await openSimulatedRoom({ layout }), fps: 2 });
    daemon = await startDaemonProcess([
      '--driver',
      'sim',
      '--bind',
      'tcp://127.0.0.1:*',
      '--simulator-url',
      simulator.url,
      '--heartbeat-timeout-ms',
      '2000',
    ]);
    locator = createLocatorClient({
      endpoint: daemon.endpoint,
      heartbeatMs: 200,
      metrics: createHwLinkMetrics(new Registry()),
    });
    w = await openKioskWorld({ locator });
  });
  after(async () => {
    for (const c of clients) await c.close();
    await w?.close();
    await locator?.close();
    await daemon?.stop('SIGKILL');
    await simulator?.close();
  });

  test('PIN login unlocks the door, the laser points at the slot, the pickup is recorded and the laser goes off', async () => {
    const c = await KioskClient.authenticated(w.wsUrl);
    clients.push(c);
    const resident = (await w.store.people.listResidents())[4]!;
    // A courier delivers one package to C2-3.
    await c.request({ type: 'courier_login', pin: w.seeded.courierPins[2]!.pin });
    const reading = await c.request({ type: 'tracking_typed', trackingNumber: '1Z999AA10123456784' });
    const { readingId } = reading as Extract<ServerMessage, { type: 'label_reading' }>;
    const awaiting = await c.request({ type: 'recipient_confirm', readingId, residentId: resident.id });
    assert.equal(awaiting.type, 'awaiting_placement');
    await w.ledger.observe(observation('appeared', 'C2-3'));
    await c.next('placed');
    await c.request({ type: 'session_end' });
    const door = await stateWhere(locator, (s) => s.door.unlocked);
    assert.ok(door.door.unlocked, 'the courier login unlocked the door');

    const { rows } = await w.db.query<{ payload: { pickupPin: string } }>(
      `SELECT o.payload FROM notification_outbox o WHERE o.template = 'package_placed' LIMIT 1`,
    );
    await locator.lockDoor();
    const since = c.received.length;
    const started = await c.request({ type: 'resident_login', pin: rows[0]!.payload.pickupPin });
    assert.equal(started.type, 'pickup_started', JSON.stringify(started));
    const pointing = await c.next('locator', since);
    assert.deepEqual(pointing, { type: 'locator', state: 'pointing', slotId: 'C2-3' });
    const target = slotTarget(w.layout, 'C2-3');
    const lit = await stateWhere(locator, (s) => s.laser.on);
    assert.ok(Math.abs(lit.laser.panDeg! - target.panDeg) < 0.01);
    assert.ok(Math.abs(lit.laser.tiltDeg! - target.tiltDeg) < 0.01);
    assert.ok(lit.strobes.length > 0, 'the strobe across from the slot flashes');
    assert.ok(
      (await stateWhere(locator, (s) => s.door.unlocked)).door.unlocked,
      'the resident login unlocked the door',
    );

    await w.ledger.observe(observation('vanished', 'C2-3'));
    const picked = await c.next('picked_up', since);
    assert.deepEqual(picked.remainingPackageIds, []);
    assert.deepEqual(await c.next('locator', c.received.indexOf(pointing) + 1), {
      type: 'locator',
      state: 'off',
      slotId: null,
    });
    const dark = await stateWhere(locator, (s) => !s.laser.on && s.strobes.length === 0);
    assert.equal(dark.laser.on, false);
    assert.equal((await c.next('pickup_ended', since)).outcome, 'picked_up');
    const { rows: pickups } = await w.db.query<{ n: number }>('SELECT count(*)::int AS n FROM pickups');
    assert.equal(pickups[0]!.n, 1);
  });
});
