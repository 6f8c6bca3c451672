import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import { Registry } from 'prom-client';
import { filter, firstValueFrom } from 'rxjs';
import { loadLayoutFile, type RoomLayout } from '../../../calibration/index.ts';
import {
  createHwLinkMetrics,
  createLocatorClient,
  type HardwareState,
  type LocatorClient,
  slotTarget,
} from '../../../hw-controller/index.ts';
import type { PipelineObservation } from '../../../pipelines/index.ts';
import { roomRecordFromLayout } from '../../../services/app/index.ts';
import { createPickupCredentials } from '../../../services/kiosk/index.ts';
import { RoomLedgerService } from '../../../services/ledger-service/index.ts';
import { RoomHardware } from '../../../services/room-hardware/index.ts';
import {
  createLedgerRepository,
  createStore,
  type Database,
  migrateToLatest,
  openDatabase,
} from '../../../services/store/index.ts';
import { openSimulatedRoom, type SimulatorServer, startSimulatorServer } from '../../../simulator/index.ts';
import { createScratchDatabase, type ScratchDatabase } from '../../support/databases.ts';
import { type DaemonProcess, startDaemonProcess } from '../../support/hw-daemon-process.ts';

/** Resolves with the first state the daemon reports that satisfies `ok`. */
function stateWhere(locator: LocatorClient, ok: (s: HardwareState) => boolean, timeoutMs = 10_000) {
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

function observed(kind: 'appeared' | 'vanished', slotId: string): PipelineObservation {
  return {
    kind,
    slotId,
    slots: [slotId],
    cameraId: 'cam-1',
    box: { x: 100, y: 100, width: 80, height: 60 },
    confidence: 0.9,
    timeMs: Date.now(),
    alsoSeenBy: [],
  } as PipelineObservation;
}

describe('the room hardware drives the locator from the ledger, with no kiosk server', () => {
  let simulator: SimulatorServer;
  let daemon: DaemonProcess;
  let locator: LocatorClient;
  let scratch: ScratchDatabase;
  let db: Database;
  let layout: RoomLayout;
  let ledger: RoomLedgerService;
  let hardware: RoomHardware;
  const registry = new Registry();

  before(async () => {
    layout = await loadLayoutFile('calibration/rooms/demo-room.yaml');
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
    scratch = await createScratchDatabase();
    db = await openDatabase({ url: scratch.url, dataDir: 'unused', poolSize: 4 });
    const logger = pino({ level: 'silent' });
    await migrateToLatest(db, logger);
    await createStore(db).rooms.sync(roomRecordFromLayout(layout));
    ledger = await RoomLedgerService.start({
      roomId: layout.room.id,
      repository: createLedgerRepository(db, {
        pickupCredentials: createPickupCredentials(db, {
          secret: 'room-hardware-test-secret-0123456789abcdef',
        }),
      }),
      tickIntervalMs: 0,
    });
    hardware = new RoomHardware({ ledger, layout, locator, logger, registry });
  });
  after(async () => {
    await ledger?.stop();
    hardware?.stop();
    await db?.close();
    await scratch?.drop();
    await locator?.close();
    await daemon?.stop('SIGKILL');
    await simulator?.close();
  });

  test('a pickup points the laser at the slot and lights its strobe; the pickup switches it off', async () => {
    const store = createStore(db);
    const resident = await store.people.addResident({ apartment: '3C', firstName: 'Ada', lastName: 'Moss' });
    const courier = await store.people.addCourier({ name: 'Sam', company: 'Parcel Co', pinHash: 'x' });
    const delivery = randomUUID();
    const packageId = randomUUID();
    await ledger.submit({ type: 'delivery_started', sessionId: delivery, courierId: courier.id });
    await ledger.submit({
      type: 'package_registered',
      sessionId: delivery,
      packageId,
      residentId: resident.id,
    });
    await ledger.observe(observed('appeared', 'C2-3'));
    await ledger.submit({ type: 'delivery_ended', sessionId: delivery });

    const pickup = randomUUID();
    const pointing = firstValueFrom(hardware.laser$.pipe(filter((s) => s.state === 'pointing')));
    await ledger.submit({
      type: 'pickup_started',
      sessionId: pickup,
      residentId: resident.id,
      packageIds: [packageId],
    });
    assert.deepEqual(await pointing, { sessionId: pickup, state: 'pointing', slotId: 'C2-3' });
    const target = slotTarget(layout, 'C2-3');
    const lit = await stateWhere(locator, (s) => s.laser.on);
    assert.ok(Math.abs(lit.laser.panDeg! - target.panDeg) < 0.01);
    assert.ok(Math.abs(lit.laser.tiltDeg! - target.tiltDeg) < 0.01);
    assert.ok(lit.strobes.length > 0, 'the strobe across from the slot flashes');

    const off = firstValueFrom(hardware.laser$.pipe(filter((s) => s.state === 'off')));
    await ledger.observe(observed('vanished', 'C2-3'));
    assert.deepEqual(await off, { sessionId: pickup, state: 'off', slotId: null });
    const dark = await stateWhere(locator, (s) => !s.laser.on && s.strobes.length === 0);
    assert.equal(dark.laser.on, false);
    const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM pickups');
    assert.equal(rows[0]!.n, 1);
    const metrics = await registry.getSingleMetricAsString('parcelroom_room_hardware_commands_total');
    assert.match(metrics, /command="point",outcome="ok"} 1/);
    assert.match(metrics, /command="off",outcome="ok"} 1/);
  });

  test('a door unlock asked of it reaches the daemon', async () => {
    await locator.lockDoor();
    assert.equal(hardware.hasDoor, true);
    await hardware.unlockDoor(4000);
    const open = await stateWhere(locator, (s) => s.door.unlocked);
    assert.ok(open.door.unlocked);
    await locator.lockDoor();
  });
});
