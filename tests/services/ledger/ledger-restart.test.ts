import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  defaultLedgerOptions,
  type LedgerDecision,
  parseLedgerCommand,
  RoomLedger,
} from '../../../services/ledger/index.ts';
import { appeared, testOptions, testSlots, uuid, vanished } from './ledger-fixtures.ts';

const courier1 = uuid(900);
const courier2 = uuid(905);
const alice = uuid(901);
const bob = uuid(902);
const d1 = uuid(100);
const d2 = uuid(101);
const [p1, p2, p3] = [uuid(1), uuid(2), uuid(3)];
const s1 = uuid(200);

function ledger(): RoomLedger {
  return RoomLedger.empty('room-1', testSlots, testOptions());
}

function types(decisions: LedgerDecision[]): string[] {
  return decisions.map((d) => (d.type === 'locator' ? `locator:${d.action}` : d.type));
}

const flagsIn = (decisions: LedgerDecision[]) =>
  decisions.flatMap((d) => (d.type === 'flag_raised' ? [d.flag] : []));

/** Courier 1 registered a package for Alice and the process died before it was seen placed. */
function interruptedDelivery(): RoomLedger {
  const l = ledger();
  l.apply({ type: 'delivery_started', atMs: 1_000, sessionId: d1, courierId: courier1 });
  l.apply({ type: 'package_registered', atMs: 2_000, sessionId: d1, packageId: p1, residentId: alice });
  return l;
}

describe('ledger: a start after a process died', () => {
  test('closes the open delivery and flags its unplaced package never_placed, with package, courier and time', () => {
    const l = interruptedDelivery();
    const decisions = l.apply({ type: 'restarted', atMs: 60_000 });
    assert.deepEqual(types(decisions), ['delivery_abandoned', 'flag_raised', 'package_not_placed']);
    assert.deepEqual(decisions[0], {
      type: 'delivery_abandoned',
      atMs: 60_000,
      sessionId: d1,
      courierId: courier1,
      awaitingPackageIds: [p1],
    });
    const [flag] = flagsIn(decisions);
    assert.equal(flag?.kind, 'never_placed');
    assert.equal(flag?.packageId, p1);
    assert.deepEqual(flag?.evidence, {
      observations: [],
      details: {
        reason: 'delivery_abandoned',
        deliverySessionId: d1,
        courierId: courier1,
        residentId: alice,
        registeredAtMs: 2_000,
        deliveryEndedAtMs: null,
        restartedAtMs: 60_000,
      },
    });
    assert.match(flag!.summary, /before the service stopped/);
    assert.deepEqual(l.state.awaiting, []);
    assert.deepEqual(l.state.deliverySessions, {});
    assert.equal(l.state.packages[p1]?.state, 'awaiting_placement');
    assert.equal(l.state.packages[p1]?.neverPlacedFlagId, flag?.id);
  });

  test("the next courier's parcel is recorded as theirs, never as the interrupted delivery's", () => {
    const l = interruptedDelivery();
    l.apply({ type: 'restarted', atMs: 60_000 });
    l.apply({ type: 'delivery_started', atMs: 70_000, sessionId: d2, courierId: courier2 });
    l.apply({ type: 'package_registered', atMs: 71_000, sessionId: d2, packageId: p2, residentId: bob });
    const decisions = l.apply(appeared(75_000, 'A2-1'));
    const placed = decisions.find((d) => d.type === 'package_placed');
    assert.equal(placed?.packageId, p2);
    const notified = decisions.flatMap((d) => (d.type === 'notify_resident' ? [d.residentId] : []));
    assert.deepEqual(notified, [bob]);
    assert.equal(l.state.packages[p1]?.state, 'awaiting_placement');
  });

  test('an object seen after the start with nothing registered since is unregistered, not the old package', () => {
    const l = interruptedDelivery();
    l.apply({ type: 'restarted', atMs: 60_000 });
    const decisions = l.apply(appeared(61_000, 'A1-1'));
    assert.equal(
      decisions.some((d) => d.type === 'package_placed'),
      false,
    );
    assert.deepEqual(
      flagsIn(decisions).map((f) => f.kind),
      ['unregistered_object'],
    );
  });

  test('a package of a delivery the courier had finished is flagged too, and that delivery is not abandoned', () => {
    const l = interruptedDelivery();
    l.apply({ type: 'delivery_ended', atMs: 3_000, sessionId: d1 });
    const decisions = l.apply({ type: 'restarted', atMs: 20_000 });
    assert.deepEqual(types(decisions), ['flag_raised', 'package_not_placed']);
    const [flag] = flagsIn(decisions);
    assert.equal(flag?.evidence.details.reason, 'service_restarted');
    assert.equal(flag?.evidence.details.deliveryEndedAtMs, 3_000);
    assert.deepEqual(l.state.deliverySessions, {});
  });

  test('what timed out while the service was down is ended by its timeout, dated at its deadline', () => {
    const l = interruptedDelivery();
    const late = 1_000 + defaultLedgerOptions.deliveryTimeoutMs + 10_000;
    const decisions = l.apply({ type: 'restarted', atMs: late });
    assert.deepEqual(types(decisions), ['delivery_ended', 'tell_kiosk', 'flag_raised', 'package_not_placed']);
    assert.deepEqual(decisions[0]?.type === 'delivery_ended' && [decisions[0].reason, decisions[0].atMs], [
      'timeout',
      1_000 + defaultLedgerOptions.deliveryTimeoutMs,
    ]);
    assert.equal(flagsIn(decisions)[0]?.evidence.details.reason, 'service_restarted');
  });

  test('closes an open pickup with the locator off; the package stays on its shelf for a new pickup', () => {
    const l = interruptedDelivery();
    l.apply(appeared(5_000, 'A1-3'));
    l.apply({ type: 'delivery_ended', atMs: 6_000, sessionId: d1 });
    l.apply({ type: 'pickup_started', atMs: 100_000, sessionId: s1, residentId: alice, packageIds: [p1] });
    const decisions = l.apply({ type: 'restarted', atMs: 110_000 });
    assert.deepEqual(types(decisions), ['pickup_abandoned', 'locator:off']);
    assert.deepEqual(decisions[0], {
      type: 'pickup_abandoned',
      atMs: 110_000,
      sessionId: s1,
      residentId: alice,
      outcome: 'nothing_picked_up',
      pickedUpIds: [],
      leftBehindIds: [p1],
    });
    assert.deepEqual([l.state.packages[p1]?.state, l.state.packages[p1]?.slotId], ['placed', 'A1-3']);
    const again = l.apply({
      type: 'pickup_started',
      atMs: 200_000,
      sessionId: uuid(201),
      residentId: alice,
      packageIds: [p1],
    });
    assert.ok(again.some((d) => d.type === 'locator' && d.action === 'point' && d.slotId === 'A1-3'));
  });

  test('the resident still in the doorway: their package leaving within the grace after the start is their pickup', () => {
    const l = interruptedDelivery();
    l.apply(appeared(5_000, 'A1-3'));
    l.apply({ type: 'pickup_started', atMs: 100_000, sessionId: s1, residentId: alice, packageIds: [p1] });
    l.apply({ type: 'restarted', atMs: 110_000 });
    const decisions = l.apply(vanished(110_000 + defaultLedgerOptions.pickupGraceMs - 1, 'A1-3'));
    assert.equal(decisions.find((d) => d.type === 'package_picked_up')?.sessionId, s1);
    assert.equal(flagsIn(decisions).length, 0);
  });

  test('a start with nothing left open decides nothing', () => {
    const l = ledger();
    assert.deepEqual(l.apply({ type: 'restarted', atMs: 5_000 }), []);
    const stockedRoom = interruptedDelivery();
    stockedRoom.apply(appeared(5_000, 'A1-1'));
    stockedRoom.apply({ type: 'delivery_ended', atMs: 6_000, sessionId: d1 });
    assert.deepEqual(stockedRoom.apply({ type: 'restarted', atMs: 7_000 }), []);
  });

  test('a kiosk cannot send the start: restarted is not a command', () => {
    assert.throws(() => parseLedgerCommand({ type: 'restarted' }), /ledger command refused/);
  });

  test('keeps the landing time of a delivery of this lifetime: a package landing just after the courier ended it is placed', () => {
    const l = ledger();
    l.apply({ type: 'restarted', atMs: 0 });
    l.apply({ type: 'delivery_started', atMs: 1_000, sessionId: d1, courierId: courier1 });
    l.apply({ type: 'package_registered', atMs: 2_000, sessionId: d1, packageId: p3, residentId: alice });
    l.apply({ type: 'delivery_ended', atMs: 3_000, sessionId: d1 });
    const decisions = l.apply(appeared(5_000, 'B1-1'));
    assert.equal(decisions.find((d) => d.type === 'package_placed')?.packageId, p3);
  });
});
