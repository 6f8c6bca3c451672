import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { PipelineObservation } from '../../pipelines/index.ts';
import {
  ObservationDroppedError,
  RoomLedgerService,
  type RoomLedgerServiceOptions,
} from '../../services/ledger-service/index.ts';
import { StoreUnavailableError } from '../../services/store/index.ts';
import { countingIds, uuid } from '../services/ledger/ledger-fixtures.ts';
import { openLedgerWorld, pictures, roomId, type World } from '../store/ledger-store-harness.ts';
import { type PrivatePostgres, startPrivatePostgres } from '../support/private-postgres.ts';
import { until } from '../support/wait-until.ts';

async function seen(
  slotId: string,
  kind: 'appeared' | 'vanished',
  seed: number,
): Promise<PipelineObservation> {
  const evidence = await pictures(seed);
  return {
    kind,
    slotId,
    slots: [slotId],
    cameraId: 'cam-1',
    box: { x: 10, y: 20, width: 100, height: 80 },
    confidence: 0.9,
    timeMs: seed,
    alsoSeenBy: [],
    evidence: { frameJpeg: Buffer.from(evidence.frameJpeg), cropJpeg: Buffer.from(evidence.cropJpeg) },
  };
}

/**
 * The room ledger over a PostgreSQL server the test stops and starts: what the cameras saw
 * during the outage is committed in order when it is back, commands are refused at once while it
 * is away, and a backlog that overflowed ends in a check of the room against the cameras.
 */
describe('the room ledger through a PostgreSQL outage', () => {
  let pg: PrivatePostgres;
  let w: World;
  const services: RoomLedgerService[] = [];
  const clock = { nowMs: 1_000_000, now: () => clock.nowMs };

  const start = async (extra: Partial<RoomLedgerServiceOptions> = {}) => {
    const service = await RoomLedgerService.start({
      roomId,
      repository: w.store.ledger,
      availability: w.db.availability,
      clock,
      tickIntervalMs: 0,
      ledger: { newId: countingIds(100 * (services.length + 1)) },
      ...extra,
    });
    services.push(service);
    return service;
  };
  const packageState = async (id: string) =>
    (
      await w.db.query<{ state: string; slot_id: string | null }>(
        'SELECT state, slot_id FROM packages WHERE id = $1',
        [id],
      )
    ).rows[0];
  const outage = async () => {
    await pg.stop('fast');
    // A query notices; the service's heartbeat would too, a moment later.
    await w.db.query('SELECT 1').catch(() => undefined);
    assert.equal(w.db.availability.available, false);
  };

  before(async () => {
    pg = await startPrivatePostgres();
    w = await openLedgerWorld('server', { url: pg.url() });
  });
  after(async () => {
    for (const s of services) await s.stop();
    await w?.db.close();
    await pg?.remove();
  });

  test('two placements seen while the database is down are committed in order, with the times the cameras saw them, when it is back', async () => {
    const service = await start();
    const [delivery, p1, p2] = [uuid(501), uuid(502), uuid(503)];
    await service.submit({ type: 'delivery_started', sessionId: delivery, courierId: w.courier });
    await service.submit({
      type: 'package_registered',
      sessionId: delivery,
      packageId: p1,
      residentId: w.alice,
    });
    await service.submit({
      type: 'package_registered',
      sessionId: delivery,
      packageId: p2,
      residentId: w.bob,
    });

    await outage();
    clock.nowMs += 2_000;
    const first = service.observe(await seen('A1-1', 'appeared', 1));
    clock.nowMs += 2_000;
    const second = service.observe(await seen('B1-1', 'appeared', 2));
    await until(
      'both observations held',
      () => (service.heldObservations === 2 ? true : undefined),
      60_000,
      50,
    );

    // A kiosk command while the database is away is refused at once, and changes nothing.
    await assert.rejects(
      service.submit({
        type: 'package_registered',
        sessionId: delivery,
        packageId: uuid(504),
        residentId: w.bob,
      }),
      StoreUnavailableError,
    );
    // Ticks wait: nothing may time out that the cameras saw in time.
    assert.deepEqual((await service.tick()).decisions, []);

    await pg.start();
    const [one, two] = await Promise.all([first, second]);
    assert.ok(
      one.decisions.some((d) => d.type === 'package_placed'),
      'the first package is placed',
    );
    assert.ok(
      two.decisions.some((d) => d.type === 'package_placed'),
      'the second package is placed',
    );
    assert.deepEqual(await packageState(p1), { state: 'placed', slot_id: 'A1-1' });
    assert.deepEqual(await packageState(p2), { state: 'placed', slot_id: 'B1-1' });
    assert.equal(service.heldObservations, 0);
    // Each placement keeps the moment the camera saw it, not the moment the database took it.
    const { rows } = await w.db.query<{ slot_id: string; observed_at: Date }>(
      'SELECT slot_id, observed_at FROM placements WHERE package_id = ANY($1) ORDER BY observed_at',
      [[p1, p2]],
    );
    assert.deepEqual(
      rows.map((r) => [r.slot_id, r.observed_at.getTime()]),
      [
        ['A1-1', 1_002_000],
        ['B1-1', 1_004_000],
      ],
    );
    // And the kiosk's command works again.
    await service.submit({ type: 'delivery_ended', sessionId: delivery });
  });

  test('an overflowing backlog drops the newest, commits the rest and re-checks the room against the cameras', async () => {
    let rechecks = 0;
    const service = await start({
      backlogLimit: 1,
      recheck: async () => {
        rechecks++;
        // The cameras see both packages: A2-1 (held, committed) and A2-2 (dropped).
        return { 'A2-1': 1, 'A2-2': 1 };
      },
    });
    const [delivery, p3, p4] = [uuid(601), uuid(602), uuid(603)];
    await service.submit({ type: 'delivery_started', sessionId: delivery, courierId: w.courier });
    await service.submit({
      type: 'package_registered',
      sessionId: delivery,
      packageId: p3,
      residentId: w.alice,
    });
    await service.submit({
      type: 'package_registered',
      sessionId: delivery,
      packageId: p4,
      residentId: w.bob,
    });

    await outage();
    clock.nowMs += 1_000;
    const kept = service.observe(await seen('A2-1', 'appeared', 3));
    clock.nowMs += 1_000;
    await assert.rejects(service.observe(await seen('A2-2', 'appeared', 4)), ObservationDroppedError);
    assert.equal(service.heldObservations, 1);

    await pg.start();
    await kept;
    assert.deepEqual(await packageState(p3), { state: 'placed', slot_id: 'A2-1' });
    const mismatch = await until(
      'the state_mismatch flag of the dropped observation',
      async () => {
        const { rows } = await w.db.query<{ slot_id: string }>(
          "SELECT slot_id FROM flags WHERE kind = 'state_mismatch' AND status = 'open'",
        );
        return rows.length > 0 ? rows.map((r) => r.slot_id) : undefined;
      },
      60_000,
      50,
    );
    assert.deepEqual(mismatch, ['A2-2']);
    assert.equal(rechecks, 1);
  });
});
