import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type FlagAction,
  FlagActionError,
  flagActionSchema,
  planFlagAction,
} from '../../../services/staff/index.ts';
import type { ResolutionContext, ReviewFlag, ReviewPackage } from '../../../services/store/index.ts';

const [p1, p2, alice, bob] = [
  '10000000-0000-4000-8000-000000000001',
  '10000000-0000-4000-8000-000000000002',
  '10000000-0000-4000-8000-0000000000a1',
  '10000000-0000-4000-8000-0000000000b1',
];

function flag(overrides: Partial<ReviewFlag> = {}): ReviewFlag {
  return {
    id: '10000000-0000-4000-8000-00000000f001',
    roomId: 'demo',
    kind: 'ambiguous_slot',
    status: 'open',
    slotId: 'A1-1',
    packageId: p1,
    cameraId: 'cam-1',
    summary: 'test',
    evidence: { observations: [{ kind: 'appeared', slotId: 'A1-1' }], details: { slots: ['A1-1', 'A1-2'] } },
    raisedAt: new Date(0),
    resolvedAt: null,
    resolvedBy: null,
    resolution: null,
    ...overrides,
  };
}

function pkg(id: string, overrides: Partial<ReviewPackage> = {}): ReviewPackage {
  return {
    id,
    roomId: 'demo',
    state: 'placed',
    slotId: 'A1-1',
    residentId: alice,
    recipient: null,
    carrier: 'UPS',
    trackingNumber: null,
    recipientText: null,
    photoImageId: null,
    registeredAt: new Date(0),
    placedAt: new Date(0),
    pickedUpAt: null,
    ...overrides,
  };
}

function context(overrides: Partial<ResolutionContext> = {}): ResolutionContext {
  return {
    flag: flag(),
    packages: { [p1]: pkg(p1) },
    roomSlotIds: ['A1-1', 'A1-2', 'A2-1'],
    activeResidentIds: [alice, bob],
    presentObjectCount: 0,
    neverPlacedFlags: [],
    ...overrides,
  };
}

const refused = (ctx: ResolutionContext, action: FlagAction, code: string) =>
  assert.throws(
    () => planFlagAction(ctx, action),
    (e: unknown) => e instanceof FlagActionError && e.code === code,
  );

describe('flag action rules', () => {
  test('confirm and dismiss change no package; dismiss keeps its reason', () => {
    assert.deepEqual(planFlagAction(context(), { action: 'confirm' }).packageChanges, []);
    const dismissed = planFlagAction(context(), { action: 'dismiss', reason: 'duplicate' });
    assert.deepEqual([dismissed.status, dismissed.resolution], ['dismissed', { reason: 'duplicate' }]);
  });

  test('a closed flag refuses every action and names who closed it', () => {
    const closed = context({ flag: flag({ status: 'resolved', resolvedBy: { id: bob, username: 'sam' } }) });
    assert.throws(() => planFlagAction(closed, { action: 'confirm' }), /already resolved by sam/);
  });

  test('reassign_slot moves a placed package; the same slot or an unknown one is refused', () => {
    const plan = planFlagAction(context(), { action: 'reassign_slot', slotId: 'A1-2' });
    assert.deepEqual(plan.packageChanges, [{ kind: 'place', packageId: p1, slotId: 'A1-2' }]);
    assert.equal(plan.objectsLeave, false);
    refused(context(), { action: 'reassign_slot', slotId: 'A1-1' }, 'same_slot');
    refused(context(), { action: 'reassign_slot', slotId: 'Z9-9' }, 'unknown_slot');
  });

  test('reassign_slot places a waiting candidate and takes the unexplained object it was', () => {
    const ctx = context({
      flag: flag({
        packageId: null,
        evidence: {
          observations: [
            { kind: 'appeared', slotId: 'A1-1', frameImageId: 'frame-1', cropImageId: 'crop-1' },
          ],
          details: { candidatePackageId: p1 },
        },
      }),
      packages: { [p1]: pkg(p1, { state: 'awaiting_placement', slotId: null }) },
      presentObjectCount: 1,
    });
    const plan = planFlagAction(ctx, { action: 'reassign_slot', slotId: 'A1-2' });
    assert.deepEqual(plan.packageChanges, [
      {
        kind: 'place',
        packageId: p1,
        slotId: 'A1-2',
        pictures: { frameImageId: 'frame-1', cropImageId: 'crop-1' },
      },
    ]);
    assert.equal(plan.objectsLeave, true);
  });

  test('several candidates and no package named: refused rather than guessed', () => {
    const ctx = context({
      flag: flag({
        kind: 'several_moved',
        packageId: null,
        evidence: { observations: [], details: { packageIds: [p1, p2] } },
      }),
      packages: { [p1]: pkg(p1), [p2]: pkg(p2) },
    });
    assert.throws(() => planFlagAction(ctx, { action: 'picked_up' }), /names 2 packages; say which one/);
  });

  test('reassign_package puts the named package in the slot and sends the wrong one back to waiting', () => {
    const ctx = context({
      packages: {
        [p1]: pkg(p1),
        [p2]: pkg(p2, { state: 'awaiting_placement', slotId: null, residentId: bob }),
      },
    });
    const plan = planFlagAction(ctx, { action: 'reassign_package', packageId: p2 });
    assert.deepEqual(plan.packageChanges, [
      { kind: 'return_to_waiting', packageId: p1 },
      { kind: 'place', packageId: p2, slotId: 'A1-1' },
    ]);
    const toBob = planFlagAction(context(), { action: 'reassign_package', residentId: bob });
    assert.deepEqual(toBob.packageChanges, [{ kind: 'set_resident', packageId: p1, residentId: bob }]);
    refused(
      context(),
      { action: 'reassign_package', residentId: '10000000-0000-4000-8000-0000000000c1' },
      'unknown_resident',
    );
  });

  test('not_a_package needs an unexplained object; it stays on the shelf', () => {
    refused(
      context({ flag: flag({ kind: 'removal_without_session' }) }),
      { action: 'not_a_package' },
      'not_an_object',
    );
    const plan = planFlagAction(context({ flag: flag({ kind: 'unregistered_object', packageId: null }) }), {
      action: 'not_a_package',
    });
    assert.equal(plan.objectsLeave, false);
  });

  test('picked_up records the owner, or the resident named; a package gone already is refused', () => {
    const lost = context({ packages: { [p1]: pkg(p1, { state: 'lost', slotId: null }) } });
    assert.deepEqual(planFlagAction(lost, { action: 'picked_up' }).packageChanges, [
      { kind: 'pick_up', packageId: p1, slotId: 'A1-1', residentId: alice },
    ]);
    assert.deepEqual(planFlagAction(lost, { action: 'picked_up', residentId: bob }).packageChanges[0], {
      kind: 'pick_up',
      packageId: p1,
      slotId: 'A1-1',
      residentId: bob,
    });
    refused(
      context({ packages: { [p1]: pkg(p1, { state: 'picked_up', slotId: null }) } }),
      { action: 'picked_up' },
      'package_not_movable',
    );
  });

  test('placing or handing over a package settles its other open never_placed flag; the rest leaves it open', () => {
    const neverPlaced = flag({
      id: '10000000-0000-4000-8000-00000000f002',
      kind: 'never_placed',
      slotId: null,
      packageId: p2,
      evidence: { observations: [], details: { reason: 'delivery_abandoned' } },
    });
    const object = flag({
      kind: 'unregistered_object',
      packageId: null,
      slotId: 'A1-3',
      evidence: { observations: [{ kind: 'appeared', slotId: 'A1-3' }], details: {} },
    });
    const waiting = pkg(p2, { state: 'awaiting_placement', slotId: null, residentId: bob });
    const ctx = (overrides: Partial<ResolutionContext> = {}) =>
      context({
        flag: object,
        packages: { [p2]: waiting },
        presentObjectCount: 1,
        neverPlacedFlags: [neverPlaced],
        ...overrides,
      });
    const joined = planFlagAction(ctx(), { action: 'reassign_package', packageId: p2 });
    assert.deepEqual(joined.alsoResolved, [
      {
        flagId: neverPlaced.id,
        resolution: {
          action: 'package_settled',
          packageId: p2,
          packageState: 'placed',
          slotId: 'A1-3',
          withFlagId: object.id,
          withAction: 'reassign_package',
        },
      },
    ]);
    const handedOver = planFlagAction(ctx(), { action: 'picked_up', packageId: p2, residentId: alice });
    assert.deepEqual(handedOver.alsoResolved[0]?.resolution, {
      action: 'package_settled',
      packageId: p2,
      packageState: 'picked_up',
      slotId: 'A1-3',
      residentId: alice,
      withFlagId: object.id,
      withAction: 'picked_up',
    });
    // Where the package is stays unknown: the never_placed flag still asks its question.
    assert.deepEqual(planFlagAction(ctx(), { action: 'not_a_package' }).alsoResolved, []);
    assert.deepEqual(planFlagAction(ctx(), { action: 'dismiss', reason: 'test object' }).alsoResolved, []);
    assert.deepEqual(
      planFlagAction(ctx({ flag: flag({ packageId: p2 }) }), {
        action: 'reassign_package',
        residentId: alice,
      }).alsoResolved,
      [],
    );
    // Another package's never_placed flag is not this one's to close.
    const other = { ...neverPlaced, packageId: p1 };
    assert.deepEqual(
      planFlagAction(ctx({ neverPlacedFlags: [other] }), { action: 'reassign_package', packageId: p2 })
        .alsoResolved,
      [],
    );
  });

  test('the action schema names the field that is wrong', () => {
    const issue = (body: unknown) => {
      const result = flagActionSchema.safeParse(body);
      assert.equal(result.success, false);
      return `${result.error!.issues[0]!.path.join('.')}: ${result.error!.issues[0]!.message}`;
    };
    assert.match(issue({ action: 'dismiss', reason: 'x' }), /^reason: must say why/);
    assert.match(issue({ action: 'reassign_slot', slotId: 'A1-1; DROP' }), /^slotId: must be a slot id/);
    assert.match(issue({ action: 'fly' }), /^action: must be one of confirm, reassign_slot/);
    assert.match(issue({ action: 'reassign_package' }), /^packageId: give the package/);
  });
});
