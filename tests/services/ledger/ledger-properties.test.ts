import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  emptyLedgerState,
  type LedgerDecision,
  type LedgerInput,
  LedgerInputError,
  type LedgerState,
  ledgerOptions,
  replay,
  step,
} from '../../../services/ledger/index.ts';
import { countingIds, testSlots } from './ledger-fixtures.ts';
import { type Action, run, toInput } from './ledger-sequences.ts';

interface Trace {
  start: LedgerState;
  state: LedgerState;
  decisions: LedgerDecision[];
  steps: Array<{ input: LedgerInput; before: LedgerState; decisions: LedgerDecision[] }>;
}

function drive(actions: Array<[Action, number]>): Trace {
  const options = ledgerOptions({
    newId: countingIds(1),
    neverPlacedAfterMs: 60_000,
    pickupTimeoutMs: 90_000,
  });
  const sessionIds = countingIds(2);
  const start = emptyLedgerState('room-1', testSlots);
  let state = start;
  let atMs = 0;
  const decisions: LedgerDecision[] = [];
  const steps: Trace['steps'] = [];
  for (const [a, dt] of actions) {
    atMs += dt;
    const input = toInput(a, state, atMs, sessionIds);
    try {
      const result = step(state, input, options);
      steps.push({ input, before: state, decisions: result.decisions });
      decisions.push(...result.decisions);
      state = result.state;
    } catch (error) {
      assert.ok(error instanceof LedgerInputError, `only LedgerInputError may be thrown: ${error}`);
    }
  }
  return { start, state, decisions, steps };
}

const runs = { numRuns: 400 };

describe('ledger properties over random sequences of observations and session actions', () => {
  test('no package is ever in two slots, and a placed package is exactly where its slot says', () => {
    fc.assert(
      fc.property(run, (actions) => {
        const { steps } = drive(actions);
        for (const { before } of steps) {
          const seen = new Map<string, string>();
          for (const [slotId, occupants] of Object.entries(before.slots)) {
            for (const o of occupants) {
              if (o.kind !== 'package') continue;
              assert.ok(
                !seen.has(o.packageId),
                `package ${o.packageId} in ${seen.get(o.packageId)} and ${slotId}`,
              );
              seen.set(o.packageId, slotId);
            }
          }
          for (const pkg of Object.values(before.packages)) {
            assert.equal(pkg.state === 'placed', seen.get(pkg.id) === pkg.slotId && pkg.slotId !== null);
            if (pkg.state === 'awaiting_placement') assert.equal(seen.has(pkg.id), false);
          }
        }
      }),
      runs,
    );
  });

  test('a package is placed at most once, and only a registered package is placed', () => {
    fc.assert(
      fc.property(run, (actions) => {
        const { decisions } = drive(actions);
        const registered = new Set<string>();
        const placed = new Set<string>();
        for (const d of decisions) {
          if (d.type === 'package_awaiting') registered.add(d.packageId);
          if (d.type === 'package_placed') {
            assert.ok(registered.has(d.packageId), `placed ${d.packageId} that was never registered`);
            assert.ok(!placed.has(d.packageId), `placed ${d.packageId} twice`);
            placed.add(d.packageId);
          }
        }
      }),
      runs,
    );
  });

  test('every vanished from a slot holding a package is exactly one of pickup, wrong_pickup or removal', () => {
    fc.assert(
      fc.property(run, (actions) => {
        for (const { input, before, decisions } of drive(actions).steps) {
          if (input.type !== 'observed' || input.observation.kind !== 'vanished') continue;
          const slotId = input.observation.slotId;
          const held = before.slots[slotId]!.some((o) => o.kind === 'package');
          const outcomes = decisions.filter(
            (d) =>
              (d.type === 'package_picked_up' && d.slotId === slotId) ||
              (d.type === 'flag_raised' &&
                d.flag.slotId === slotId &&
                (d.flag.kind === 'wrong_pickup' || d.flag.kind === 'removal_without_session')),
          );
          assert.equal(outcomes.length, held ? 1 : 0);
          const picked = decisions.find((d) => d.type === 'package_picked_up');
          if (picked?.type === 'package_picked_up') {
            assert.equal(
              before.packages[picked.packageId]!.residentId,
              picked.residentId,
              'only one’s own package',
            );
          }
        }
      }),
      runs,
    );
  });

  test('flags are never silently lost: every raised flag is open or was resolved by a decision', () => {
    fc.assert(
      fc.property(run, (actions) => {
        const { decisions, state } = drive(actions);
        const open = new Set<string>();
        for (const d of decisions) {
          if (d.type === 'flag_raised') {
            assert.ok(d.flag.summary.length > 0);
            open.add(d.flag.id);
          }
          if (d.type === 'flag_resolved')
            assert.ok(open.delete(d.flagId), 'resolved a flag that was not open');
        }
        assert.deepEqual(new Set(Object.keys(state.flags)), open);
      }),
      runs,
    );
  });

  test('every flag about an observation carries that observation as evidence', () => {
    fc.assert(
      fc.property(run, (actions) => {
        for (const d of drive(actions).decisions) {
          if (d.type !== 'flag_raised') continue;
          const needsObservation = !['never_placed', 'camera_offline'].includes(d.flag.kind);
          assert.equal(d.flag.evidence.observations.length > 0, needsObservation, d.flag.kind);
        }
      }),
      runs,
    );
  });

  test('after a start, only a package registered since is ever placed, and nothing of the dead process stays open', () => {
    fc.assert(
      fc.property(run, (actions) => {
        let sessionsOfThisLifetime = new Set<string>();
        let packagesOfThisLifetime = new Set<string>();
        for (const { input, decisions } of drive(actions).steps) {
          if (input.type === 'restarted') {
            sessionsOfThisLifetime = new Set();
            packagesOfThisLifetime = new Set();
          }
          for (const d of decisions) {
            if (d.type === 'delivery_started' || d.type === 'pickup_started')
              sessionsOfThisLifetime.add(d.sessionId);
            if (d.type === 'package_awaiting') packagesOfThisLifetime.add(d.packageId);
            if (d.type === 'package_placed') {
              assert.ok(
                packagesOfThisLifetime.has(d.packageId),
                `placed ${d.packageId}, registered before the last start`,
              );
              assert.ok(d.deliverySessionId && sessionsOfThisLifetime.has(d.deliverySessionId));
            }
            if (d.type === 'locator' && d.action === 'point')
              assert.ok(sessionsOfThisLifetime.has(d.sessionId), 'the locator points for a dead session');
          }
        }
      }),
      runs,
    );
  });

  test('a start leaves no open session and no package waiting; each one that waited is flagged never_placed', () => {
    fc.assert(
      fc.property(run, (actions) => {
        for (const { input, before, decisions } of drive(actions).steps) {
          if (input.type !== 'restarted') continue;
          const after = replay(before, decisions);
          assert.deepEqual(after.awaiting, []);
          assert.deepEqual(
            Object.values(after.deliverySessions).filter((s) => s.endedAtMs === null),
            [],
          );
          assert.deepEqual(
            Object.values(after.pickupSessions).filter((s) => s.endedAtMs === null),
            [],
          );
          const flagged = new Set(
            decisions.flatMap((d) =>
              d.type === 'flag_raised' && d.flag.kind === 'never_placed' ? [d.flag.packageId] : [],
            ),
          );
          assert.deepEqual(flagged, new Set(before.awaiting));
          for (const session of Object.values(before.pickupSessions)) {
            if (session.endedAtMs !== null) continue;
            assert.ok(
              decisions.some((d) => d.type === 'locator' && d.action === 'off' && d.sessionId === session.id),
              `the locator stays on for ${session.id}`,
            );
          }
          for (const pkg of Object.values(before.packages)) {
            if (pkg.state === 'placed') assert.equal(after.packages[pkg.id]?.slotId, pkg.slotId);
          }
        }
      }),
      runs,
    );
  });

  test('replaying the decisions rebuilds the same state', () => {
    fc.assert(
      fc.property(run, (actions) => {
        const { start, state, decisions } = drive(actions);
        const replayed = replay(start, decisions);
        assert.deepEqual({ ...replayed, nowMs: 0 }, { ...state, nowMs: 0 });
      }),
      runs,
    );
  });

  test('a refused input changes nothing, and the awaiting queue stays in registration order', () => {
    fc.assert(
      fc.property(run, (actions) => {
        const options = ledgerOptions({ newId: countingIds(1) });
        const { steps, state } = drive(actions);
        for (const { before } of [...steps, { before: state }]) {
          const frozen = structuredClone(before);
          assert.throws(() =>
            step(before, { type: 'pickup_ended', atMs: before.nowMs, sessionId: 'none' }, options),
          );
          assert.deepEqual(before, frozen);
          const times = before.awaiting.map((id) => before.packages[id]!.registeredAtMs);
          assert.deepEqual(
            times,
            [...times].sort((a, b) => a - b),
          );
          for (const id of before.awaiting) assert.equal(before.packages[id]!.state, 'awaiting_placement');
        }
      }),
      { numRuns: 100 },
    );
  });
});
