import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import pino from 'pino';
import { Registry } from 'prom-client';
import { Subject } from 'rxjs';
import { loadLayoutFile } from '../../../calibration/index.ts';
import type { LocatorCommand } from '../../../services/ledger-service/index.ts';
import {
  DoorUnavailableError,
  type LaserState,
  RoomHardware,
} from '../../../services/room-hardware/index.ts';

const logger = pino({ level: 'silent' });

describe('room hardware in a room without a hw-controller', () => {
  test('tells what the laser would do for each committed decision, in their order', async () => {
    const layout = await loadLayoutFile('calibration/rooms/demo-room.yaml');
    const locator$ = new Subject<LocatorCommand>();
    const registry = new Registry();
    const hardware = new RoomHardware({ ledger: { locator$ }, layout, logger, registry });
    const told: LaserState[] = [];
    hardware.laser$.subscribe((s) => told.push(s));
    locator$.next({ type: 'locator', atMs: 1, action: 'point', slotId: 'C2-3', sessionId: 's1' });
    locator$.next({ type: 'locator', atMs: 2, action: 'off', sessionId: 's1' });
    assert.deepEqual(told, [
      { sessionId: 's1', state: 'pointing', slotId: 'C2-3' },
      { sessionId: 's1', state: 'off', slotId: null },
    ]);
    const metrics = await registry.getSingleMetricAsString('parcelroom_room_hardware_commands_total');
    assert.match(metrics, /command="point",outcome="no_hardware"} 1/);
    assert.match(metrics, /command="off",outcome="no_hardware"} 1/);

    hardware.stop();
    locator$.next({ type: 'locator', atMs: 3, action: 'point', slotId: 'A1-1', sessionId: 's2' });
    assert.equal(told.length, 2, 'a stopped subscriber drives nothing');
  });

  test('refuses a door unlock with a typed error that says the room has no door controller', async () => {
    const layout = await loadLayoutFile('calibration/rooms/demo-room.yaml');
    const hardware = new RoomHardware({ ledger: { locator$: new Subject() }, layout, logger });
    assert.equal(hardware.hasDoor, false);
    await assert.rejects(
      hardware.unlockDoor(5000),
      (error) =>
        error instanceof DoorUnavailableError &&
        error.reason === 'no_door_controller' &&
        /no door controller/.test(error.message),
    );
    hardware.stop();
  });
});
