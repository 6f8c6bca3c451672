import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type FlagKind,
  type LedgerDecision,
  LedgerInputError,
  parseLedgerCommand,
  placedPackagesOf,
  RoomLedger,
} from '../../../services/ledger/index.ts';
import { appeared, testOptions, testSlots, uuid, vanished } from './ledger-fixtures.ts';

const courier = uuid(900);
const alice = uuid(901);
const bob = uuid(902);
const d1 = uuid(100);
const p1 = uuid(1);
const p2 = uuid(2);
const p3 = uuid(3);
const s1 = uuid(200);

function ledger(overrides = {}): RoomLedger {
  return RoomLedger.empty('room-1', testSlots, testOptions(overrides));
}

function flagsOf(decisions: LedgerDecision[]): FlagKind[] {
  return decisions.flatMap((d) => (d.type === 'flag_raised' ? [d.flag.kind] : []));
}

function types(decisions: LedgerDecision[]): string[] {
  return decisions.map((d) => (d.type === 'tell_kiosk' ? `kiosk:${d.message.kind}` : d.type));
}

/** A ledger with p1 (alice) in A1-1 and p2 (bob) in A1-2, the delivery ended. */
function stocked(overrides = {}): RoomLedger {
  const l = ledger(overrides);
  l.apply({ type: 'delivery_started', atMs: 0, sessionId: d1, courierId: courier });
  l.apply({ type: 'package_registered', atMs: 10, sessionId: d1, packageId: p1, residentId: alice });
  l.apply({ type: 'package_registered', atMs: 20, sessionId: d1, packageId: p2, residentId: bob });
  l.apply(appeared(5_000, 'A1-1'));
  l.apply(appeared(10_000, 'A1-2'));
  l.apply({ type: 'delivery_ended', atMs: 11_000, sessionId: d1 });
  return l;
}

describe('ledger: delivering', () => {
  test('gives each appeared slot to the oldest package awaiting placement', () => {
    const l = ledger();
    l.apply({ type: 'delivery_started', atMs: 0, sessionId: d1, courierId: courier });
    l.apply({ type: 'package_registered', atMs: 10, sessionId: d1, packageId: p1, residentId: alice });
    l.apply({ type: 'package_registered', atMs: 20, sessionId: d1, packageId: p2, residentId: bob });
    const first = l.apply(appeared(5_000, 'A2-1'));
    assert.deepEqual(types(first), [
      'package_placed',
      'kiosk:package_placed',
      'notify_resident',
      'change_remembered',
    ]);
    const second = l.apply(appeared(9_000, 'A1-3'));
    assert.equal(second.find((d) => d.type === 'package_placed')?.packageId, p2);
    assert.equal(l.state.packages[p1]!.slotId, 'A2-1');
    assert.equal(l.state.packages[p2]!.slotId, 'A1-3');
    assert.deepEqual(l.state.awaiting, []);
  });

  test('tells the resident their package was placed, with the slot', () => {
    const l = ledger();
    l.apply({ type: 'delivery_started', atMs: 0, sessionId: d1, courierId: courier });
    l.apply({ type: 'package_registered', atMs: 10, sessionId: d1, packageId: p1, residentId: alice });
    const notify = l.apply(appeared(5_000, 'A2-1')).find((d) => d.type === 'notify_resident');
    assert.deepEqual(notify, {
      type: 'notify_resident',
      atMs: 5_000,
      template: 'package_placed',
      residentId: alice,
      packageId: p1,
      slotId: 'A2-1',
    });
  });

  test('places a package straddling two slots in the main one and flags ambiguous_slot', () => {
    const l = ledger();
    l.apply({ type: 'delivery_started', atMs: 0, sessionId: d1, courierId: courier });
    l.apply({ type: 'package_registered', atMs: 10, sessionId: d1, packageId: p1, residentId: alice });
    const decisions = l.apply(appeared(5_000, 'A1-1', { slots: ['A1-1', 'A1-2'], confidence: 0.7 }));
    assert.deepEqual(flagsOf(decisions), ['ambiguous_slot']);
    const flag = decisions.find((d) => d.type === 'flag_raised')!;
    assert.equal(flag.type === 'flag_raised' && flag.flag.packageId, p1);
    assert.equal(l.state.packages[p1]!.slotId, 'A1-1');
    const kiosk = decisions.find((d) => d.type === 'tell_kiosk');
    assert.equal(
      kiosk?.type === 'tell_kiosk' && kiosk.message.kind === 'package_placed' && kiosk.message.uncertain,
      true,
    );
  });

  test('only flags a low-confidence straddling object; the package keeps waiting', () => {
    const l = ledger();
    l.apply({ type: 'delivery_started', atMs: 0, sessionId: d1, courierId: courier });
    l.apply({ type: 'package_registered', atMs: 10, sessionId: d1, packageId: p1, residentId: alice });
    const decisions = l.apply(appeared(5_000, 'A1-1', { slots: ['A1-1', 'A1-2'], confidence: 0.3 }));
    assert.deepEqual(flagsOf(decisions), ['ambiguous_slot']);
    assert.ok(!decisions.some((d) => d.type === 'package_placed'));
    assert.deepEqual(l.state.awaiting, [p1]);
    assert.equal(l.state.slots['A1-1']![0]!.kind, 'object');
  });

  test('flags an object nobody registered as unregistered_object and tells the kiosk', () => {
    const l = ledger();
    l.apply({ type: 'delivery_started', atMs: 0, sessionId: d1, courierId: courier });
    const decisions = l.apply(appeared(5_000, 'B1-1'));
    assert.deepEqual(flagsOf(decisions), ['unregistered_object']);
    assert.ok(types(decisions).includes('kiosk:unregistered_object'));
    assert.equal(l.state.slots['B1-1']!.length, 1);
  });

  test('still places a package that lands shortly after the courier ended the session', () => {
    const l = ledger();
    l.apply({ type: 'delivery_started', atMs: 0, sessionId: d1, courierId: courier });
    l.apply({ type: 'package_registered', atMs: 10, sessionId: d1, packageId: p1, residentId: alice });
    l.apply({ type: 'delivery_ended', atMs: 1_000, sessionId: d1 });
    const decisions = l.apply(appeared(30_000, 'A1-1'));
    assert.equal(decisions[0]!.type, 'package_placed');
    assert.deepEqual(l.state.deliverySessions, {});
  });

  test('flags never_placed when an awaiting package has not landed N seconds after the session ended', () => {
    const l = ledger({ neverPlacedAfterMs: 60_000 });
    l.apply({ type: 'delivery_started', atMs: 0, sessionId: d1, courierId: courier });
    l.apply({ type: 'package_registered', atMs: 10, sessionId: d1, packageId: p1, residentId: alice });
    l.apply({ type: 'delivery_ended', atMs: 1_000, sessionId: d1 });
    assert.deepEqual(flagsOf(l.apply({ type: 'tick', atMs: 60_999 })), []);
    const decisions = l.apply({ type: 'tick', atMs: 61_000 });
    assert.deepEqual(flagsOf(decisions), ['never_placed']);
    assert.deepEqual(l.state.awaiting, []);
    // Afterwards an object is not silently taken for the forgotten package.
    assert.deepEqual(flagsOf(l.apply(appeared(70_000, 'A1-1'))), ['unregistered_object']);
  });

  test('ends a delivery session nobody ended after the delivery timeout', () => {
    const l = ledger({ deliveryTimeoutMs: 600_000 });
    l.apply({ type: 'delivery_started', atMs: 0, sessionId: d1, courierId: courier });
    const decisions = l.apply({ type: 'tick', atMs: 600_000 });
    assert.deepEqual(types(decisions), ['delivery_ended', 'kiosk:delivery_ended']);
    assert.equal(decisions[0]!.type === 'delivery_ended' && decisions[0]!.reason, 'timeout');
  });

  test('refuses a package for a session that is not open, and changes nothing', () => {
    const l = ledger();
    const before = l.state;
    assert.throws(
      () =>
        l.apply({ type: 'package_registered', atMs: 10, sessionId: d1, packageId: p1, residentId: alice }),
      (e: unknown) => e instanceof LedgerInputError && e.code === 'no_open_delivery',
    );
    assert.equal(l.state, before);
  });

  test('refuses an observation of a slot the room does not have', () => {
    const l = ledger();
    assert.throws(() => l.apply(appeared(10, 'Z9-9')), /slot Z9-9 is not a slot of room room-1/);
  });
});

describe('ledger: picking up', () => {
  test('records a pickup when the session resident’s package leaves, and turns the locator off', () => {
    const l = stocked();
    const start = l.apply({
      type: 'pickup_started',
      atMs: 20_000,
      sessionId: s1,
      residentId: alice,
      packageIds: [p1],
    });
    assert.deepEqual(
      start.filter((d) => d.type === 'locator'),
      [{ type: 'locator', atMs: 20_000, action: 'point', slotId: 'A1-1', sessionId: s1 }],
    );
    const decisions = l.apply(vanished(25_000, 'A1-1'));
    assert.deepEqual(types(decisions), [
      'package_picked_up',
      'notify_resident',
      'kiosk:package_picked_up',
      'pickup_ended',
      'locator',
      'kiosk:pickup_ended',
      'change_remembered',
    ]);
    assert.equal(l.state.packages[p1], undefined);
    assert.deepEqual(l.state.slots['A1-1'], []);
  });

  test('points the locator at the next package when a resident has several', () => {
    const l = ledger();
    l.apply({ type: 'delivery_started', atMs: 0, sessionId: d1, courierId: courier });
    l.apply({ type: 'package_registered', atMs: 10, sessionId: d1, packageId: p1, residentId: alice });
    l.apply({ type: 'package_registered', atMs: 20, sessionId: d1, packageId: p3, residentId: alice });
    l.apply(appeared(5_000, 'A1-1'));
    l.apply(appeared(10_000, 'A2-2'));
    assert.deepEqual(
      placedPackagesOf(l.state, alice).map((p) => p.id),
      [p1, p3],
    );
    l.apply({ type: 'pickup_started', atMs: 20_000, sessionId: s1, residentId: alice, packageIds: [p1, p3] });
    const decisions = l.apply(vanished(25_000, 'A1-1'));
    assert.deepEqual(
      decisions.filter((d) => d.type === 'locator'),
      [{ type: 'locator', atMs: 25_000, action: 'point', slotId: 'A2-2', sessionId: s1 }],
    );
  });

  test('flags wrong_pickup when another resident’s package leaves during a pickup', () => {
    const l = stocked();
    l.apply({ type: 'pickup_started', atMs: 20_000, sessionId: s1, residentId: alice, packageIds: [p1] });
    const decisions = l.apply(vanished(25_000, 'A1-2'));
    assert.deepEqual(flagsOf(decisions), ['wrong_pickup']);
    const kiosk = decisions.find((d) => d.type === 'tell_kiosk');
    assert.deepEqual(
      kiosk?.type === 'tell_kiosk' &&
        kiosk.message.kind === 'wrong_package_taken' &&
        kiosk.message.expectedSlotIds,
      ['A1-1'],
    );
    assert.equal(l.state.packages[p2], undefined);
    assert.ok(l.state.pickupSessions[s1]!.endedAtMs === null, 'the session goes on');
  });

  test('flags removal_without_session when a package leaves with no session open', () => {
    const l = stocked();
    const decisions = l.apply(vanished(30_000, 'A1-1'));
    assert.deepEqual(flagsOf(decisions), ['removal_without_session']);
    assert.ok(decisions.some((d) => d.type === 'package_removed' && d.packageId === p1));
  });

  test('ends a pickup session with nothing taken as nothing_picked_up, not a flag', () => {
    const l = stocked();
    l.apply({ type: 'pickup_started', atMs: 20_000, sessionId: s1, residentId: alice, packageIds: [p1] });
    const decisions = l.apply({ type: 'pickup_ended', atMs: 30_000, sessionId: s1 });
    const ended = decisions.find((d) => d.type === 'pickup_ended');
    assert.equal(ended?.type === 'pickup_ended' && ended.outcome, 'nothing_picked_up');
    assert.deepEqual(flagsOf(decisions), []);
    assert.equal(l.state.packages[p1]!.state, 'placed');
  });

  test('times a pickup session out and still counts a removal in its grace as the pickup', () => {
    const l = stocked({ pickupTimeoutMs: 60_000, pickupGraceMs: 10_000 });
    l.apply({ type: 'pickup_started', atMs: 20_000, sessionId: s1, residentId: alice, packageIds: [p1] });
    const timeout = l.apply({ type: 'tick', atMs: 80_000 });
    assert.ok(timeout.some((d) => d.type === 'pickup_ended' && d.reason === 'timeout'));
    const late = l.apply(vanished(85_000, 'A1-1'));
    assert.equal(late[0]!.type, 'package_picked_up');
  });

  test('refuses a pickup session for a package of another resident', () => {
    const l = stocked();
    assert.throws(
      () =>
        l.apply({ type: 'pickup_started', atMs: 20_000, sessionId: s1, residentId: alice, packageIds: [p2] }),
      (e: unknown) => e instanceof LedgerInputError && e.code === 'not_residents_package',
    );
  });
});

describe('ledger: uncertainty', () => {
  test('flags several_moved once when two packages leave within the window with no session', () => {
    const l = stocked();
    const first = l.apply(vanished(30_000, 'A1-1'));
    const second = l.apply(vanished(30_500, 'A1-2'));
    assert.deepEqual(flagsOf(first), ['removal_without_session']);
    assert.deepEqual(flagsOf(second), ['removal_without_session', 'several_moved']);
    const several = second.find((d) => d.type === 'flag_raised' && d.flag.kind === 'several_moved');
    assert.equal(several?.type === 'flag_raised' && several.flag.evidence.observations.length, 2);
    assert.deepEqual(flagsOf(l.apply(vanished(31_000, 'A1-1'))), ['state_mismatch']);
  });

  test('does not flag several_moved when a resident takes two of their own packages at once', () => {
    const l = ledger();
    l.apply({ type: 'delivery_started', atMs: 0, sessionId: d1, courierId: courier });
    l.apply({ type: 'package_registered', atMs: 10, sessionId: d1, packageId: p1, residentId: alice });
    l.apply({ type: 'package_registered', atMs: 20, sessionId: d1, packageId: p3, residentId: alice });
    l.apply(appeared(5_000, 'A1-1'));
    l.apply(appeared(10_000, 'A2-2'));
    l.apply({ type: 'pickup_started', atMs: 20_000, sessionId: s1, residentId: alice, packageIds: [p1, p3] });
    assert.deepEqual(
      flagsOf([...l.apply(vanished(25_000, 'A1-1')), ...l.apply(vanished(25_300, 'A2-2'))]),
      [],
    );
  });

  test('flags several_moved when two registered packages land at once (FIFO may have swapped them)', () => {
    const l = ledger();
    l.apply({ type: 'delivery_started', atMs: 0, sessionId: d1, courierId: courier });
    l.apply({ type: 'package_registered', atMs: 10, sessionId: d1, packageId: p1, residentId: alice });
    l.apply({ type: 'package_registered', atMs: 20, sessionId: d1, packageId: p2, residentId: bob });
    l.apply(appeared(5_000, 'A1-1'));
    assert.deepEqual(flagsOf(l.apply(appeared(5_400, 'A1-2'))), ['several_moved']);
  });

  test('raises camera_offline after the camera has been away long enough, and resolves it when back', () => {
    const l = ledger({ cameraOfflineFlagAfterMs: 30_000 });
    l.apply({ type: 'observed', atMs: 1_000, observation: { kind: 'camera_offline', cameraId: 'cam-2' } });
    assert.deepEqual(flagsOf(l.apply({ type: 'tick', atMs: 30_999 })), []);
    const raised = l.apply({ type: 'tick', atMs: 31_000 });
    assert.deepEqual(flagsOf(raised), ['camera_offline']);
    const back = l.apply({
      type: 'observed',
      atMs: 40_000,
      observation: { kind: 'camera_online', cameraId: 'cam-2' },
    });
    assert.deepEqual(types(back), ['camera_online', 'flag_resolved']);
    assert.deepEqual(l.state.flags, {});
    assert.deepEqual(l.state.cameras, {});
  });

  test('a camera back before the limit leaves no flag', () => {
    const l = ledger({ cameraOfflineFlagAfterMs: 30_000 });
    l.apply({ type: 'observed', atMs: 1_000, observation: { kind: 'camera_offline', cameraId: 'cam-2' } });
    const back = l.apply({
      type: 'observed',
      atMs: 5_000,
      observation: { kind: 'camera_online', cameraId: 'cam-2' },
    });
    assert.deepEqual(types(back), ['camera_online']);
    assert.deepEqual(flagsOf(l.apply({ type: 'tick', atMs: 100_000 })), []);
  });

  test('flags state_mismatch when something leaves a slot the ledger thought empty', () => {
    const l = ledger();
    assert.deepEqual(flagsOf(l.apply(vanished(1_000, 'A2-1'))), ['state_mismatch']);
  });
});

describe('ledger: a resident taking several at once', () => {
  test('their own package is a pickup, the neighbour’s a wrong_pickup, and the burst a several_moved', () => {
    const l = stocked();
    l.apply({ type: 'pickup_started', atMs: 20_000, sessionId: s1, residentId: alice, packageIds: [p1] });
    const own = l.apply(vanished(25_000, 'A1-1'));
    const other = l.apply(vanished(25_400, 'A1-2'));
    assert.ok(own.some((d) => d.type === 'package_picked_up' && d.packageId === p1));
    assert.deepEqual(flagsOf(other), ['wrong_pickup', 'several_moved']);
    assert.deepEqual(l.state.slots['A1-1'], []);
    assert.deepEqual(l.state.slots['A1-2'], []);
  });
});

describe('ledger: reconcile after a restart', () => {
  test('flags every slot where the cameras disagree with the recorded state', () => {
    const l = stocked();
    const { decisions, state } = l.proposeReconcile({ 'A1-1': 1, 'A1-2': 0, 'A2-1': 2, 'A2-2': 0 }, 50_000);
    const flags = decisions.filter((d) => d.type === 'flag_raised');
    assert.deepEqual(
      flags.map((d) => d.type === 'flag_raised' && [d.flag.kind, d.flag.slotId, d.flag.packageId]),
      [
        ['state_mismatch', 'A1-2', p2],
        ['state_mismatch', 'A2-1', null],
      ],
    );
    assert.equal(state.slots['A2-1']!.length, 2, 'unknown objects are kept');
    assert.equal(state.packages[p2]!.slotId, 'A1-2', 'a missing package stays recorded for staff');
  });

  test('raises nothing when the cameras agree, and nothing twice for a slot already flagged', () => {
    const l = stocked();
    assert.deepEqual(l.proposeReconcile({ 'A1-1': 1, 'A1-2': 1, 'A2-1': 0 }, 50_000).decisions, []);
    l.adopt(l.proposeReconcile({ 'A1-2': 0 }, 50_000));
    assert.deepEqual(l.proposeReconcile({ 'A1-2': 0 }, 60_000).decisions, []);
  });
});

describe('ledger object', () => {
  test('refuses to adopt a proposal made before the ledger moved on', () => {
    const l = ledger();
    const stale = l.propose({ type: 'delivery_started', atMs: 0, sessionId: d1, courierId: courier });
    l.apply({ type: 'tick', atMs: 10 });
    assert.throws(() => l.adopt(stale), /propose again/);
    const fresh = l.propose({ type: 'delivery_started', atMs: 20, sessionId: d1, courierId: courier });
    l.adopt(fresh);
    assert.ok(l.state.deliverySessions[d1]);
  });
});

describe('ledger commands from outside', () => {
  test('parses a pickup command', () => {
    assert.deepEqual(
      parseLedgerCommand({ type: 'pickup_started', sessionId: s1, residentId: alice, packageIds: [p1] }),
      {
        type: 'pickup_started',
        sessionId: s1,
        residentId: alice,
        packageIds: [p1],
      },
    );
  });

  test('refuses a malformed command, naming the field', () => {
    assert.throws(
      () =>
        parseLedgerCommand({ type: 'package_registered', sessionId: d1, packageId: 'P-1', residentId: null }),
      (e: unknown) =>
        e instanceof LedgerInputError && e.code === 'bad_command' && /packageId/.test(e.message),
    );
    assert.throws(() => parseLedgerCommand({ type: 'open_door' }), /type/);
    assert.throws(
      () => parseLedgerCommand({ type: 'delivery_ended', sessionId: d1, atMs: 5 }),
      /atMs|Unrecognized/,
    );
  });
});
