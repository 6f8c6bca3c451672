import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import {
  createStore,
  type Database,
  migrateToLatest,
  migrationsDir,
  openDatabase,
  type RoomRecord,
  type Store,
  StoreError,
} from '../../services/store/index.ts';
import { type BackendKind, createScratchBackend, type ScratchBackend } from '../support/databases.ts';

function smallRoom(slotIds: string[] = ['A1-1', 'A1-2', 'A2-1']): RoomRecord {
  return {
    id: 'test-room',
    name: 'Test room',
    layout: { version: 1, slots: slotIds },
    units: [
      {
        id: 'A',
        widthCm: 100,
        depthCm: 40,
        position: { x: 0, y: 0 },
        levels: [
          { number: 1, heightCm: 10, clearanceCm: 30 },
          { number: 2, heightCm: 50, clearanceCm: 30 },
        ],
      },
    ],
    slots: slotIds.map((id) => {
      const [, level, index] = /^A(\d)-(\d)$/.exec(id)!;
      return {
        id,
        unitId: 'A',
        levelNumber: Number(level),
        slotIndex: Number(index),
        offsetCm: (Number(index) - 1) * 30,
        widthCm: 28,
        depthCm: 40,
        heightCm: 30,
      };
    }),
    cameras: [{ id: 'cam-1', name: 'Camera 1', widthPx: 1280, heightPx: 720, view: { slotIds } }],
  };
}

// The same behaviour is required of the PostgreSQL server and of the embedded database.
for (const kind of ['server', 'embedded'] as BackendKind[]) {
  describe(`store on the ${kind} database`, () => {
    let backend: ScratchBackend;
    let db: Database;
    let store: Store;

    before(async () => {
      backend = await createScratchBackend(kind);
      db = await openDatabase(backend.settings);
      await migrateToLatest(db);
      store = createStore(db);
    });
    after(async () => {
      await db?.close();
      await backend?.dispose();
    });

    test('migrations create every table of the room model', async () => {
      const { rows } = await db.query<{ table_name: string }>(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name",
      );
      const tables = rows.map((r) => r.table_name);
      for (const table of [
        'rooms',
        'shelving_units',
        'levels',
        'slots',
        'cameras',
        'residents',
        'couriers',
        'staff_users',
        'packages',
        'placements',
        'pickups',
        'flags',
        'events',
        'notification_outbox',
        'audit_log',
      ]) {
        assert.ok(tables.includes(table), `table ${table} missing; have ${tables.join(', ')}`);
      }
    });

    test('running the migrations again applies nothing', async () => {
      const again = await migrateToLatest(db);
      assert.deepEqual(again.applied, []);
      // Every migration file counts, whoever added it.
      assert.equal(again.total, readdirSync(migrationsDir).filter((f) => f.endsWith('.sql')).length);
    });

    test('syncing a layout creates the room, reports unchanged on a repeat and updated on a change', async () => {
      assert.equal(await store.rooms.sync(smallRoom()), 'created');
      assert.equal(await store.rooms.sync(smallRoom()), 'unchanged');
      assert.equal(await store.rooms.sync(smallRoom(['A1-1', 'A1-2', 'A2-1', 'A2-2'])), 'updated');
      const slots = await store.rooms.slots('test-room');
      assert.deepEqual(
        slots.map((s) => s.id),
        ['A1-1', 'A1-2', 'A2-1', 'A2-2'],
      );
      assert.deepEqual(slots[0]!.seenByCameras, ['cam-1']);
      const [summary] = await store.rooms.list();
      assert.equal(summary?.slotCount, 4);
      assert.equal(summary?.unitCount, 1);
    });

    test('a registered and placed package occupies its slot and leaves events in order', async () => {
      const resident = await store.people.addResident({
        apartment: '204',
        firstName: 'Ana',
        lastName: 'Lima',
      });
      const pkg = await store.packages.register({
        roomId: 'test-room',
        residentId: resident.id,
        carrier: 'UPS',
        trackingNumber: '1Z999AA10123456784',
      });
      assert.equal(pkg.state, 'awaiting_placement');
      assert.deepEqual(pkg.recipient, { firstName: 'Ana', lastName: 'Lima', apartment: '204' });
      const placed = await store.packages.recordPlacement({
        packageId: pkg.id,
        slotId: 'A2-2',
        cameraId: 'cam-1',
        confidence: 0.93,
        observedAt: new Date(),
      });
      assert.equal(placed.state, 'placed');
      assert.equal(placed.slotId, 'A2-2');
      const slot = (await store.rooms.slots('test-room')).find((s) => s.id === 'A2-2');
      assert.deepEqual(slot?.packageIds, [pkg.id]);
      const events = await store.events.list({ packageId: pkg.id });
      assert.deepEqual(
        events.map((e) => e.type),
        ['package.registered', 'package.placed'],
      );
    });

    test('placing a package in a slot the room does not have changes nothing', async () => {
      const pkg = await store.packages.register({ roomId: 'test-room', trackingNumber: 'TBA000000000001' });
      await assert.rejects(
        store.packages.recordPlacement({ packageId: pkg.id, slotId: 'Z9-9', observedAt: new Date() }),
      );
      const after = await store.packages.get(pkg.id);
      assert.equal(after?.state, 'awaiting_placement');
      assert.deepEqual(
        (await store.events.list({ packageId: pkg.id })).map((e) => e.type),
        ['package.registered'],
      );
    });

    test('a layout that drops a slot holding a package is refused and the slot is kept', async () => {
      await assert.rejects(store.rooms.sync(smallRoom(['A1-1', 'A1-2', 'A2-1'])), (error: unknown) => {
        assert.ok(error instanceof StoreError);
        assert.match(error.message, /no longer has slot\(s\) A2-2/);
        return true;
      });
      assert.ok((await store.rooms.slots('test-room')).some((s) => s.id === 'A2-2'));
    });

    test('the event log and the audit log refuse updates and deletes', async () => {
      await store.events.audit({ actorKind: 'system', action: 'test.audit' });
      await assert.rejects(db.query("UPDATE events SET type = 'package.forged'"), /append-only/);
      await assert.rejects(db.query('DELETE FROM events'), /append-only/);
      await assert.rejects(db.query('DELETE FROM audit_log'), /append-only/);
    });

    test('a transaction that throws leaves nothing behind', async () => {
      const before = await store.people.countResidents();
      await assert.rejects(
        db.transaction(async (tx) => {
          await store.people.addResident({ apartment: '999', firstName: 'Ghost', lastName: 'Writer' }, tx);
          throw new Error('boom');
        }),
        /boom/,
      );
      assert.equal(await store.people.countResidents(), before);
    });

    test('the outbox refuses a second message with the same dedupe key', async () => {
      const event = await store.events.append({ roomId: 'test-room', type: 'package.placed_test' });
      const insert = `INSERT INTO notification_outbox (event_id, channel, recipient, template, dedupe_key) VALUES ($1, 'email', 'a@example.org', 'placed', $2)`;
      await db.query(insert, [event.id, `${event.id}:email:a@example.org`]);
      await assert.rejects(db.query(insert, [event.id, `${event.id}:email:a@example.org`]), /duplicate key/);
    });

    test('data survives closing and reopening the database', async () => {
      const before = await store.packages.list({ limit: 50 });
      await db.close();
      db = await openDatabase(backend.settings);
      store = createStore(db);
      assert.deepEqual((await migrateToLatest(db)).applied, []);
      const after = await store.packages.list({ limit: 50 });
      assert.deepEqual(
        after.map((p) => p.id),
        before.map((p) => p.id),
      );
      assert.ok(after.length >= 2);
    });
  });
}

describe('embedded database folder', () => {
  test('a second process-level open of the same folder is refused with a clear message', async () => {
    const backend = await createScratchBackend('embedded');
    const first = await openDatabase(backend.settings);
    try {
      // The lock records this process; simulate another live holder by writing the parent's pid.
      const { writeFileSync } = await import('node:fs');
      const { join } = await import('node:path');
      writeFileSync(join(backend.settings.dataDir, 'parcelroom.lock'), String(process.ppid));
      await assert.rejects(openDatabase(backend.settings), (error: unknown) => {
        assert.ok(error instanceof StoreError);
        assert.match(error.message, /in use by process \d+/);
        return true;
      });
    } finally {
      await first.close();
      await backend.dispose();
    }
  });
});
