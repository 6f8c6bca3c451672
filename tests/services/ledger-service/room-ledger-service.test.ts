import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { Registry } from 'prom-client';
import { firstValueFrom, Subject, take, toArray } from 'rxjs';
import type { PipelineObservation } from '../../../pipelines/index.ts';
import { durableView, type KioskMessage, LedgerInputError } from '../../../services/ledger/index.ts';
import {
  type CommittedStep,
  createLedgerMetrics,
  type LocatorCommand,
  RoomLedgerService,
  type RoomLedgerServiceOptions,
} from '../../../services/ledger-service/index.ts';
import { openLedgerWorld, pictures, roomId, type World } from '../../store/ledger-store-harness.ts';
import { countingIds, uuid } from '../ledger/ledger-fixtures.ts';

const d1 = uuid(100);
const s1 = uuid(200);
const [p1, p2] = [uuid(1), uuid(2)];

async function appeared(slotId: string, seed: number, kind: 'appeared' | 'vanished' = 'appeared') {
  const evidence = await pictures(seed);
  return {
    kind,
    slotId,
    slots: [slotId],
    cameraId: 'cam-1',
    box: { x: 10, y: 20, width: 100, height: 80 },
    confidence: 0.9,
    timeMs: 123,
    alsoSeenBy: [],
    evidence: { frameJpeg: Buffer.from(evidence.frameJpeg), cropJpeg: Buffer.from(evidence.cropJpeg) },
  } satisfies PipelineObservation;
}

async function count(w: World, table: string): Promise<number> {
  const { rows } = await w.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
  return rows[0]!.n;
}

describe('room ledger service over PostgreSQL', () => {
  let w: World;
  let clock: { nowMs: number; now(): number };
  let observations: Subject<PipelineObservation>;
  let running: RoomLedgerService[] = [];

  const start = async (extra: Partial<RoomLedgerServiceOptions> = {}) => {
    const service = await RoomLedgerService.start({
      roomId,
      repository: w.store.ledger,
      observations$: observations,
      clock,
      tickIntervalMs: 0,
      ledger: { newId: countingIds(running.length + 3) },
      ...extra,
    });
    running.push(service);
    return service;
  };

  /** Resolves once the service has committed `n` more steps. */
  const nextSteps = (service: RoomLedgerService, n = 1) =>
    firstValueFrom(service.committed$.pipe(take(n), toArray()));

  before(async () => {
    w = await openLedgerWorld();
  });
  beforeEach(async () => {
    await w.db.query(
      `TRUNCATE ledger_inputs, camera_outages, room_objects, pickups, placements, pickup_sessions, pickup_credentials,
         notification_outbox, flags, events, audit_log, packages, delivery_sessions, images`,
    );
    observations = new Subject();
    clock = {
      nowMs: 1_000_000,
      now() {
        return this.nowMs;
      },
    };
  });
  after(async () => {
    for (const service of running) await service.stop();
    running = [];
    await w?.db.close();
    await w?.scratch.drop();
  });

  test('tells the kiosk about a placement only after it is in the database', async () => {
    const service = await start();
    const seenInDb: Array<[KioskMessage['kind'], number]> = [];
    const checks: Promise<void>[] = [];
    service.kiosk$.subscribe((message) => {
      checks.push(
        count(w, 'placements').then((n) => {
          seenInDb.push([message.kind, n]);
        }),
      );
    });
    await service.submit({ type: 'delivery_started', sessionId: d1, courierId: w.courier });
    await service.submit({ type: 'package_registered', sessionId: d1, packageId: p1, residentId: w.alice });
    const placed = nextSteps(service);
    clock.nowMs += 5_000;
    observations.next(await appeared('A2-1', 1));
    const [step] = await placed;
    await Promise.all(checks);
    assert.deepEqual(seenInDb, [
      ['delivery_started', 0],
      ['package_awaiting', 0],
      ['package_placed', 1],
    ]);
    const placement = step!.decisions.findIndex((d) => d.type === 'package_placed');
    const { rows } = await w.db.query<{ type: string }>('SELECT type FROM events WHERE id = $1', [
      step!.eventIds[placement]!,
    ]);
    assert.equal(rows[0]?.type, 'package.placed');
    assert.equal(await count(w, 'notification_outbox'), 2);
  });

  test('points the locator at the package for a pickup and turns it off when it leaves', async () => {
    const service = await start();
    await service.submit({ type: 'delivery_started', sessionId: d1, courierId: w.courier });
    await service.submit({ type: 'package_registered', sessionId: d1, packageId: p1, residentId: w.alice });
    await service.observe(await appeared('A1-3', 1));
    await service.submit({ type: 'delivery_ended', sessionId: d1 });
    const commands = firstValueFrom(service.locator$.pipe(take(2), toArray()));
    clock.nowMs += 60_000;
    await service.submit({ type: 'pickup_started', sessionId: s1, residentId: w.alice, packageIds: [p1] });
    clock.nowMs += 4_000;
    observations.next(await appeared('A1-3', 2, 'vanished'));
    const [point, off] = (await commands) as LocatorCommand[];
    assert.deepEqual(
      [point?.action, point?.action === 'point' && point.slotId, off?.action],
      ['point', 'A1-3', 'off'],
    );
    assert.equal((await w.store.packages.get(p1))?.state, 'picked_up');
  });

  test('started again mid-delivery, it closes the dead delivery and takes the next parcel for the next courier', async () => {
    const first = await start();
    await first.submit({ type: 'delivery_started', sessionId: d1, courierId: w.courier });
    await first.submit({ type: 'package_registered', sessionId: d1, packageId: p1, residentId: w.alice });
    await first.submit({ type: 'package_registered', sessionId: d1, packageId: p2, residentId: w.alice });
    await first.observe(await appeared('A1-1', 1));
    const before = first.state;
    await first.stop();
    // What the rows say is what the live ledger held, the open delivery included.
    assert.deepEqual(durableView(await w.store.ledger.loadLedgerState(roomId)), durableView(before));

    clock.nowMs += 30_000;
    const second = await start();
    const recovered = second.recovery!.decisions;
    assert.deepEqual(
      recovered.map((d) => d.type),
      ['delivery_abandoned', 'flag_raised', 'package_not_placed'],
    );
    assert.deepEqual(second.state.awaiting, []);
    assert.deepEqual(second.state.deliverySessions, {});
    const flag = recovered.find((d) => d.type === 'flag_raised');
    assert.equal(flag?.type === 'flag_raised' && flag.flag.kind, 'never_placed');
    assert.equal(flag?.type === 'flag_raised' && flag.flag.packageId, p2);
    // The recovery is in the rows: a third start rebuilds the same state and closes nothing more.
    assert.deepEqual(durableView(await w.store.ledger.loadLedgerState(roomId)), durableView(second.state));

    const d2 = uuid(101);
    const p3 = uuid(3);
    await second.submit({ type: 'delivery_started', sessionId: d2, courierId: w.courier });
    await second.submit({ type: 'package_registered', sessionId: d2, packageId: p3, residentId: w.bob });
    const placed = nextSteps(second);
    clock.nowMs += 2_000;
    observations.next(await appeared('B1-1', 2));
    await placed;
    assert.equal((await w.store.packages.get(p3))?.slotId, 'B1-1', "the next courier's parcel is theirs");
    assert.equal((await w.store.packages.get(p2))?.state, 'awaiting_placement');
    assert.equal((await w.store.packages.get(p1))?.slotId, 'A1-1');
    const { rows: sessions } = await w.db.query<{ id: string; end_reason: string | null }>(
      'SELECT id, end_reason FROM delivery_sessions ORDER BY started_at, id',
    );
    assert.deepEqual(sessions, [
      { id: d1, end_reason: 'abandoned' },
      { id: d2, end_reason: null },
    ]);
    const { rows: outbox } = await w.db.query<{ resident: string }>(
      `SELECT DISTINCT payload->>'residentId' AS resident FROM notification_outbox WHERE payload->>'packageId' = $1`,
      [p3],
    );
    assert.deepEqual(outbox, [{ resident: w.bob }]);
    // A delivery the courier finished is not abandoned by the next start.
    await second.submit({ type: 'delivery_ended', sessionId: d2 });
    const third = await start();
    assert.deepEqual(third.recovery!.decisions, []);
  });

  test('started again mid-pickup, it ends the dead pickup with the locator off; the package waits on its shelf', async () => {
    const first = await start();
    await first.submit({ type: 'delivery_started', sessionId: d1, courierId: w.courier });
    await first.submit({ type: 'package_registered', sessionId: d1, packageId: p1, residentId: w.alice });
    await first.observe(await appeared('A1-3', 1));
    await first.submit({ type: 'delivery_ended', sessionId: d1 });
    await first.submit({ type: 'pickup_started', sessionId: s1, residentId: w.alice, packageIds: [p1] });
    await first.stop();

    clock.nowMs += 60_000;
    const second = await start();
    const recovered = second.recovery!.decisions;
    assert.deepEqual(
      recovered.map((d) => (d.type === 'locator' ? `locator:${d.action}` : d.type)),
      ['pickup_abandoned', 'locator:off'],
    );
    const { rows } = await w.db.query<{ end_reason: string; outcome: string }>(
      'SELECT end_reason, outcome FROM pickup_sessions WHERE id = $1',
      [s1],
    );
    assert.deepEqual(rows, [{ end_reason: 'abandoned', outcome: 'nothing_picked_up' }]);
    assert.deepEqual(
      [(await w.store.packages.get(p1))?.state, (await w.store.packages.get(p1))?.slotId],
      ['placed', 'A1-3'],
    );
    // The resident comes back: a new pickup of the same package points the locator again.
    clock.nowMs += 20_000;
    const s2 = uuid(201);
    const commands = firstValueFrom(second.locator$.pipe(take(1), toArray()));
    await second.submit({ type: 'pickup_started', sessionId: s2, residentId: w.alice, packageIds: [p1] });
    const [point] = await commands;
    assert.deepEqual([point?.action, point?.action === 'point' && point.slotId], ['point', 'A1-3']);
  });

  test('a command retried with the same input id is applied once', async () => {
    const service = await start();
    const a = await service.submit(
      { type: 'delivery_started', sessionId: d1, courierId: w.courier },
      'kiosk-msg-1',
    );
    const b = await service.submit(
      { type: 'delivery_started', sessionId: uuid(101), courierId: w.courier },
      'kiosk-msg-1',
    );
    assert.ok(a.decisions.length > 0);
    assert.deepEqual(b.decisions, []);
    assert.equal(await count(w, 'delivery_sessions'), 1);
    assert.deepEqual(Object.keys(service.state.deliverySessions), [d1]);
  });

  test('a refused command and a commit the store rejects both leave the state and the database as they were', async () => {
    const registry = new Registry();
    const service = await start({ metrics: createLedgerMetrics(registry) });
    await assert.rejects(
      service.submit({ type: 'delivery_ended', sessionId: d1 }),
      (e: unknown) => e instanceof LedgerInputError && e.code === 'no_open_delivery',
    );
    await service.submit({ type: 'delivery_started', sessionId: d1, courierId: w.courier });
    const before = service.state;
    const events = await count(w, 'events');
    // A resident the store does not know: the foreign key refuses the whole batch.
    await assert.rejects(
      service.submit({ type: 'package_registered', sessionId: d1, packageId: p1, residentId: uuid(999) }),
      /foreign key/,
    );
    assert.equal(service.state, before);
    assert.equal(await count(w, 'events'), events);
    const text = await registry.metrics();
    assert.match(text, /parcelroom_ledger_inputs_total\{type="delivery_ended",outcome="refused"\} 1/);
    assert.match(text, /parcelroom_ledger_inputs_total\{type="package_registered",outcome="failed"\} 1/);
  });

  test('an observation of a slot the room lacks is refused and the stream goes on', async () => {
    const service = await start();
    const steps = nextSteps(service);
    observations.next(await appeared('Z9-9', 1));
    observations.next(await appeared('B1-1', 2));
    const [step] = await steps;
    assert.ok(step!.decisions.some((d) => d.type === 'flag_raised' && d.flag.kind === 'unregistered_object'));
    assert.equal(await count(w, 'flags'), 1);
  });

  test('timeouts follow the injected clock: never_placed after the delivery, camera_offline, then resolved', async () => {
    const service = await start({
      ledger: { newId: countingIds(40), neverPlacedAfterMs: 60_000, cameraOfflineFlagAfterMs: 60_000 },
    });
    const flags: string[] = [];
    service.flags$.subscribe((f) => flags.push(f.kind));
    await service.submit({ type: 'delivery_started', sessionId: d1, courierId: w.courier });
    await service.submit({ type: 'package_registered', sessionId: d1, packageId: p1, residentId: w.alice });
    await service.submit({ type: 'delivery_ended', sessionId: d1 });
    observations.next({ kind: 'camera_offline', cameraId: 'cam-1', timeMs: 0, reason: 'connection refused' });
    clock.nowMs += 59_000;
    await service.tick();
    assert.deepEqual(flags, []);
    clock.nowMs += 1_000;
    await service.tick();
    assert.deepEqual(flags.sort(), ['camera_offline', 'never_placed']);
    const online: Promise<CommittedStep[]> = nextSteps(service);
    observations.next({ kind: 'camera_online', cameraId: 'cam-1', timeMs: 0 });
    await online;
    const { rows } = await w.db.query<{ kind: string; status: string }>(
      'SELECT kind, status FROM flags ORDER BY kind',
    );
    assert.deepEqual(rows, [
      { kind: 'camera_offline', status: 'resolved' },
      { kind: 'never_placed', status: 'open' },
    ]);
  });

  test('reconcile after a restart flags what the cameras see differently', async () => {
    const first = await start();
    await first.submit({ type: 'delivery_started', sessionId: d1, courierId: w.courier });
    await first.submit({ type: 'package_registered', sessionId: d1, packageId: p1, residentId: w.alice });
    await first.observe(await appeared('A1-1', 1));
    await first.stop();
    const second = await start();
    const step = await second.reconcile({ 'A1-1': 0, 'A1-2': 0 });
    assert.deepEqual(
      step.decisions.flatMap((d) => (d.type === 'flag_raised' ? [[d.flag.kind, d.flag.slotId]] : [])),
      [['state_mismatch', 'A1-1']],
    );
    assert.equal(await count(w, 'flags'), 1);
  });

  test('a package staff marked returned behind its back: the ledger re-reads the store and decides again', async () => {
    const service = await start();
    await service.submit({ type: 'delivery_started', sessionId: d1, courierId: w.courier });
    await service.submit({ type: 'package_registered', sessionId: d1, packageId: p1, residentId: w.alice });
    await service.observe(await appeared('A2-2', 1));
    await w.db.query(`UPDATE packages SET state = 'returned', slot_id = NULL WHERE id = $1`, [p1]);
    clock.nowMs += 60_000;
    const step = await service.observe(await appeared('A2-2', 2, 'vanished'));
    assert.deepEqual(
      step.decisions.flatMap((d) => (d.type === 'flag_raised' ? [d.flag.kind] : [])),
      ['state_mismatch'],
    );
    assert.equal((await w.store.packages.get(p1))?.state, 'returned', 'the staff decision stands');
    assert.equal(service.state.packages[p1], undefined);
  });

  test('a camera flag staff already closed is left as they closed it when the camera returns', async () => {
    const service = await start({ ledger: { newId: countingIds(50), cameraOfflineFlagAfterMs: 1_000 } });
    await service.observe({ kind: 'camera_offline', cameraId: 'cam-1', timeMs: 0 });
    clock.nowMs += 5_000;
    await service.tick();
    await w.db.query(
      `UPDATE flags SET status = 'dismissed', resolved_at = now(), resolution = '{"by":"staff"}' WHERE kind = 'camera_offline'`,
    );
    const step = await service.observe({ kind: 'camera_online', cameraId: 'cam-1', timeMs: 0 });
    assert.ok(step.decisions.some((d) => d.type === 'flag_resolved'));
    const { rows } = await w.db.query<{ status: string; resolution: unknown }>(
      'SELECT status, resolution FROM flags',
    );
    assert.deepEqual(rows, [{ status: 'dismissed', resolution: { by: 'staff' } }]);
    await service.reload();
    assert.deepEqual(service.state.flags, {});
  });
});
