/**
 * The room ledger's speed: pure rule steps over random sequences, the commit of one observation
 * (placement with pictures and notifications) on the PostgreSQL server, the same through the
 * service (observation in → kiosk told), and rebuilding a full room's state after a restart.
 */
import fc from 'fast-check';
import { loadLayoutFile } from '../../calibration/index.ts';
import { roomRecordFromLayout } from '../../services/app/index.ts';
import { emptyLedgerState, LedgerInputError, ledgerOptions, step } from '../../services/ledger/index.ts';
import { RoomLedgerService } from '../../services/ledger-service/index.ts';
import { countingIds, testSlots, uuid } from '../services/ledger/ledger-fixtures.ts';
import { run, toInput } from '../services/ledger/ledger-sequences.ts';
import { openLedgerWorld, pictures, roomId } from '../store/ledger-store-harness.ts';
import { type BenchRow, median, percentile, report } from './bench-report.ts';

const rows: BenchRow[] = [];

// 1. Pure steps.
{
  const samples = fc.sample(run, { numRuns: 300, seed: 7 });
  const options = ledgerOptions({ newId: countingIds(1) });
  const stepUs: number[] = [];
  for (const actions of samples) {
    let state = emptyLedgerState('room', testSlots);
    let atMs = 0;
    const ids = countingIds(2);
    for (const [a, dt] of actions) {
      atMs += dt;
      const input = toInput(a, state, atMs, ids);
      const started = process.hrtime.bigint();
      try {
        state = step(state, input, options).state;
      } catch (error) {
        if (!(error instanceof LedgerInputError)) throw error;
      }
      stepUs.push(Number(process.hrtime.bigint() - started) / 1000);
    }
  }
  rows.push(
    { name: 'pure step, median', value: median(stepUs), unit: 'µs', note: `${stepUs.length} random inputs` },
    { name: 'pure step, p99', value: percentile(stepUs, 99), unit: 'µs' },
  );
}

const w = await openLedgerWorld();
try {
  // 2. One placement committed: event, package, placement, two images, outbox rows, audit.
  {
    const clock = {
      nowMs: 1_000_000,
      now() {
        return this.nowMs;
      },
    };
    const service = await RoomLedgerService.start({
      roomId,
      repository: w.store.ledger,
      clock,
      tickIntervalMs: 0,
      ledger: { newId: countingIds(3), severalMovedWindowMs: 1 },
    });
    const commitMs: number[] = [];
    const toldMs: number[] = [];
    const evidence = await pictures(1);
    const frameJpeg = Buffer.alloc(120_000, 1);
    frameJpeg.set(evidence.frameJpeg);
    for (let i = 0; i < 150; i++) {
      const sessionId = uuid(10_000 + i);
      const packageId = uuid(20_000 + i);
      const slotId = testSlots[i % testSlots.length]!;
      await service.submit({ type: 'delivery_started', sessionId, courierId: w.courier });
      await service.submit({ type: 'package_registered', sessionId, packageId, residentId: w.alice });
      clock.nowMs += 5_000;
      let toldAt = 0n;
      const sub = service.kiosk$.subscribe((m) => {
        if (m.kind === 'package_placed') toldAt = process.hrtime.bigint();
      });
      const started = process.hrtime.bigint();
      await service.observe({
        kind: 'appeared',
        slotId,
        slots: [slotId],
        cameraId: 'cam-1',
        box: { x: 1, y: 2, width: 3, height: 4 },
        confidence: 0.9,
        timeMs: 0,
        alsoSeenBy: [],
        evidence: { frameJpeg, cropJpeg: Buffer.from(evidence.cropJpeg) },
      });
      commitMs.push(Number(process.hrtime.bigint() - started) / 1e6);
      toldMs.push(Number(toldAt - started) / 1e6);
      sub.unsubscribe();
      // Free the slot again so the room never fills up.
      clock.nowMs += 5_000;
      await service.submit({ type: 'delivery_ended', sessionId });
      await service.submit({
        type: 'pickup_started',
        sessionId: uuid(30_000 + i),
        residentId: w.alice,
        packageIds: [packageId],
      });
      await service.observe({
        kind: 'vanished',
        slotId,
        slots: [slotId],
        cameraId: 'cam-1',
        box: { x: 1, y: 2, width: 3, height: 4 },
        confidence: 0.9,
        timeMs: 0,
        alsoSeenBy: [],
      });
      clock.nowMs += 5_000;
    }
    await service.stop();
    rows.push(
      {
        name: 'placement committed, median',
        value: median(commitMs),
        unit: 'ms',
        note: '120 kB frame + crop, 2 outbox rows',
      },
      { name: 'placement committed, p95', value: percentile(commitMs, 95), unit: 'ms' },
      { name: 'placement committed, p99', value: percentile(commitMs, 99), unit: 'ms' },
      {
        name: 'observation in → kiosk told, p95',
        value: percentile(toldMs, 95),
        unit: 'ms',
        note: 'budget share of ≤ 1 s placement',
      },
    );
  }

  // 3. Restart: rebuild the demo room's state with a package in every slot.
  {
    const layout = await loadLayoutFile('calibration/rooms/demo-room.yaml');
    const record = roomRecordFromLayout(layout);
    await w.store.rooms.sync(record);
    const clock = {
      nowMs: 5_000_000,
      now() {
        return this.nowMs;
      },
    };
    const service = await RoomLedgerService.start({
      roomId: record.id,
      repository: w.store.ledger,
      clock,
      tickIntervalMs: 0,
      ledger: { newId: countingIds(4) },
    });
    const sessionId = uuid(40_000);
    await service.submit({ type: 'delivery_started', sessionId, courierId: w.courier });
    for (const [i, slot] of record.slots.entries()) {
      await service.submit({
        type: 'package_registered',
        sessionId,
        packageId: uuid(50_000 + i),
        residentId: w.bob,
      });
      clock.nowMs += 5_000;
      await service.observe({
        kind: 'appeared',
        slotId: slot.id,
        slots: [slot.id],
        cameraId: 'cam-1',
        box: { x: 1, y: 2, width: 3, height: 4 },
        confidence: 0.9,
        timeMs: 0,
        alsoSeenBy: [],
      });
    }
    await service.stop();
    const samples: number[] = [];
    for (let i = 0; i < 20; i++) {
      const started = process.hrtime.bigint();
      await w.store.ledger.loadLedgerState(record.id, 0);
      samples.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
    rows.push({
      name: 'loadLedgerState, median',
      value: median(samples),
      unit: 'ms',
      note: `${record.slots.length} slots, each holding a package`,
    });
  }
} finally {
  await w.db.close();
  await w.scratch.drop();
}

report({ benchmark: 'ledger', rows });
