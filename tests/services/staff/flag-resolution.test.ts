import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import argon2 from 'argon2';
import { slotOfPackage } from '../../../services/ledger/index.ts';
import { RoomLedgerService } from '../../../services/ledger-service/index.ts';
import type { Database } from '../../../services/store/index.ts';
import {
  DurableLedger,
  openLedgerWorld,
  pictures,
  roomId,
  type World,
} from '../../store/ledger-store-harness.ts';
import type { BackendKind } from '../../support/databases.ts';
import { box, uuid } from '../ledger/ledger-fixtures.ts';
import { addStaff, call, login, type Session, type StaffApp, startStaffApp } from './staff-harness.ts';

const d1 = uuid(100);
const s1 = uuid(200);
const [p1, p2] = [uuid(1), uuid(2)];

async function clearHistory(db: Database): Promise<void> {
  await db.query(
    `TRUNCATE ledger_inputs, camera_outages, room_objects, pickups, placements, pickup_sessions,
       notification_outbox, flags, events, audit_log, packages, delivery_sessions, images CASCADE`,
  );
}

interface FlagRow {
  id: string;
  kind: string;
  status: string;
  resolved_by: string | null;
  resolution: Record<string, unknown> | null;
}

async function onlyFlag(db: Database, kind: string): Promise<FlagRow> {
  const { rows } = await db.query<FlagRow>(
    'SELECT id, kind, status, resolved_by, resolution FROM flags WHERE kind = $1',
    [kind],
  );
  assert.equal(rows.length, 1, `one ${kind} flag`);
  return rows[0]!;
}

async function packageRow(db: Database, id: string) {
  const { rows } = await db.query<{ state: string; slot_id: string | null; resident_id: string | null }>(
    'SELECT state, slot_id, resident_id FROM packages WHERE id = $1',
    [id],
  );
  return rows[0]!;
}

// The first start runs on the embedded database, a building's install on a server: both must hold.
for (const kind of ['server', 'embedded'] as BackendKind[])
  describe(`resolving flags through the staff API on the ${kind} database`, () => {
    let w: World;
    let app: StaffApp;
    let staff: Session;
    let admin: Session;
    let ledger: DurableLedger;

    before(async () => {
      w = await openLedgerWorld(kind);
      await addStaff(w.store, 'sam', 'sam-password-123', 'staff');
      await addStaff(w.store, 'ada', 'ada-password-123', 'admin');
      app = await startStaffApp(w.store);
      staff = await login(app.url, 'sam', 'sam-password-123');
      admin = await login(app.url, 'ada', 'ada-password-123');
    });
    beforeEach(async () => {
      await clearHistory(w.db);
      ledger = await DurableLedger.open(w.store);
    });
    after(async () => {
      await app?.close();
      await w?.db.close();
      await w?.scratch.drop();
    });

    const observe = async (
      kind: 'appeared' | 'vanished',
      atMs: number,
      slotId: string,
      seed: number,
      extra: { slots?: string[]; confidence?: number } = {},
    ) =>
      ledger.feed({
        type: 'observed',
        atMs,
        observation: {
          kind,
          slotId,
          slots: extra.slots ?? [slotId],
          cameraId: 'cam-1',
          box,
          confidence: extra.confidence ?? 0.9,
          pictures: await pictures(seed),
        },
      });

    async function deliver(...packages: Array<[string, string]>) {
      await ledger.feed({ type: 'delivery_started', atMs: 1_000, sessionId: d1, courierId: w.courier });
      let t = 1_100;
      for (const [packageId, residentId] of packages) {
        await ledger.feed({
          type: 'package_registered',
          atMs: t,
          sessionId: d1,
          packageId,
          residentId,
          details: { courierId: w.courier, carrier: 'UPS', trackingNumber: `1Z999AA1${t}` },
        });
        t += 100;
      }
    }

    const act = (flagId: string, body: unknown, session = staff) =>
      call(app.url, 'post', `/api/staff/flags/${flagId}/actions`, { session, body });

    /** The flag, its `flag.reviewed` event and its audit row say the same thing. */
    async function assertRecorded(flagId: string, action: string, status = 'resolved') {
      const { rows: flags } = await w.db.query<FlagRow & { resolved_at: Date | null }>(
        'SELECT id, status, resolved_by, resolved_at, resolution FROM flags WHERE id = $1',
        [flagId],
      );
      const flag = flags[0]!;
      assert.equal(flag.status, status);
      assert.equal(flag.resolved_by, staff.user.id);
      assert.ok(flag.resolved_at);
      assert.equal(flag.resolution?.action, action);
      assert.equal(flag.resolution?.by, 'staff');
      const { rows: events } = await w.db.query<{ id: number; payload: Record<string, unknown> }>(
        `SELECT id, payload FROM events WHERE type = 'flag.reviewed' AND payload->>'flagId' = $1`,
        [flagId],
      );
      assert.equal(events.length, 1, 'one review event');
      assert.deepEqual(events[0]!.payload.resolution, flag.resolution);
      const { rows: audit } = await w.db.query<{
        actor_kind: string;
        actor_id: string;
        action: string;
        details: any;
      }>(
        `SELECT actor_kind, actor_id, action, details FROM audit_log WHERE target_kind = 'flag' AND target_id = $1 AND actor_kind = 'staff'`,
        [flagId],
      );
      assert.equal(audit.length, 1, 'one audit row');
      assert.deepEqual(
        [audit[0]!.actor_kind, audit[0]!.actor_id, audit[0]!.action, audit[0]!.details.eventId],
        ['staff', staff.user.id, `flag.${action}`, events[0]!.id],
      );
      assert.deepEqual(audit[0]!.details.resolution, flag.resolution);
      return { event: events[0]!, audit: audit[0]! };
    }

    test('the queue shows an open flag with its pictures, timeline and candidates', async () => {
      await deliver([p1, w.alice]);
      await observe('appeared', 5_000, 'A1-1', 4, { slots: ['A1-1', 'A1-2'], confidence: 0.7 });
      const queue = await call(app.url, 'get', '/api/staff/flags', { session: staff });
      assert.equal(queue.status, 200);
      assert.equal(queue.body.openCount, 1);
      const [flag] = queue.body.flags;
      assert.equal(flag.kind, 'ambiguous_slot');
      const detail = await call(app.url, 'get', `/api/staff/flags/${flag.id}`, { session: staff });
      const observation = detail.body.flag.evidence.observations[0];
      assert.deepEqual(observation.box, box);
      const frame = await fetch(`${app.url}${observation.frameUrl}`, { headers: { cookie: staff.cookie } });
      assert.deepEqual(Buffer.from(await frame.arrayBuffer()), Buffer.from((await pictures(4)).frameJpeg));
      const crop = await fetch(`${app.url}${observation.cropUrl}`, { headers: { cookie: staff.cookie } });
      assert.deepEqual(Buffer.from(await crop.arrayBuffer()), Buffer.from((await pictures(4)).cropJpeg));
      const types = detail.body.timeline.map((e: { type: string }) => e.type);
      for (const type of ['delivery.started', 'package.registered', 'package.placed', 'flag.raised'])
        assert.ok(types.includes(type), `${type} in ${types}`);
      assert.deepEqual(
        detail.body.candidates.slots.map((s: { id: string }) => s.id),
        ['A1-1', 'A1-2'],
      );
      assert.deepEqual(
        detail.body.candidates.packages.map((p: { id: string }) => p.id),
        [p1],
      );
      assert.equal(detail.body.candidates.packages[0].recipient.lastName, 'Martin');
    });

    test('unregistered_object, not a package: the flag closes and the object stays on the shelf', async () => {
      await observe('appeared', 5_000, 'B1-1', 3);
      const flag = await onlyFlag(w.db, 'unregistered_object');
      const reply = await act(flag.id, { action: 'not_a_package', note: 'a tenant’s umbrella' });
      assert.equal(reply.status, 200, reply.text);
      assert.equal(reply.body.flag.status, 'resolved');
      await assertRecorded(flag.id, 'not_a_package');
      const { rows } = await w.db.query('SELECT slot_id FROM room_objects WHERE vanished_at IS NULL');
      assert.deepEqual(rows, [{ slot_id: 'B1-1' }]);
    });

    test('unregistered_object, reassigned to a waiting package: placed there and the object accounted for', async () => {
      await observe('appeared', 5_000, 'B1-1', 3);
      await deliver([p1, w.alice]);
      const flag = await onlyFlag(w.db, 'unregistered_object');
      const reply = await act(flag.id, { action: 'reassign_package', packageId: p1 });
      assert.equal(reply.status, 200, reply.text);
      const { event } = await assertRecorded(flag.id, 'reassign_package');
      assert.deepEqual(await packageRow(w.db, p1), {
        state: 'placed',
        slot_id: 'B1-1',
        resident_id: w.alice,
      });
      const { rows: objects } = await w.db.query('SELECT 1 FROM room_objects WHERE vanished_at IS NULL');
      assert.equal(objects.length, 0);
      const { rows: placements } = await w.db.query<{ slot_id: string; snapshot_image_id: string }>(
        'SELECT slot_id, snapshot_image_id FROM placements WHERE package_id = $1',
        [p1],
      );
      assert.equal(placements.length, 1);
      assert.equal(placements[0]!.slot_id, 'B1-1');
      assert.ok(placements[0]!.snapshot_image_id, 'the object’s frame is the placement’s snapshot');
      // The object's crop becomes the package's photo, the one the resident's link shows.
      const { rows: photo } = await w.db.query<{ bytes: Buffer }>(
        'SELECT i.bytes FROM packages p JOIN images i ON i.id = p.photo_image_id WHERE p.id = $1',
        [p1],
      );
      assert.deepEqual(photo[0]!.bytes, Buffer.from((await pictures(3)).cropJpeg));
      assert.deepEqual(
        (event.payload.changes as Array<{ kind: string }>).map((c) => c.kind),
        ['place'],
      );
      const { rows: packageEvents } = await w.db.query<{ type: string }>(
        'SELECT type FROM events WHERE package_id = $1 ORDER BY id',
        [p1],
      );
      assert.equal(packageEvents.at(-1)?.type, 'package.slot_reassigned');
    });

    test('ambiguous_slot, reassigned slot: the package moves and the placement is recorded', async () => {
      await deliver([p1, w.alice]);
      await observe('appeared', 5_000, 'A1-1', 4, { slots: ['A1-1', 'A1-2'], confidence: 0.7 });
      const flag = await onlyFlag(w.db, 'ambiguous_slot');
      const reply = await act(flag.id, { action: 'reassign_slot', slotId: 'A1-2' });
      assert.equal(reply.status, 200, reply.text);
      await assertRecorded(flag.id, 'reassign_slot');
      assert.equal((await packageRow(w.db, p1)).slot_id, 'A1-2');
      const { rows } = await w.db.query(
        'SELECT slot_id FROM placements WHERE package_id = $1 ORDER BY recorded_at',
        [p1],
      );
      assert.deepEqual(rows, [{ slot_id: 'A1-1' }, { slot_id: 'A1-2' }]);
    });

    test('ambiguous_slot too unsure to place: reassigning the slot places the waiting candidate', async () => {
      await deliver([p1, w.alice]);
      await observe('appeared', 5_000, 'A1-1', 4, { slots: ['A1-1', 'A1-2'], confidence: 0.3 });
      const flag = await onlyFlag(w.db, 'ambiguous_slot');
      assert.equal((await packageRow(w.db, p1)).state, 'awaiting_placement');
      const reply = await act(flag.id, { action: 'reassign_slot', slotId: 'A1-1' });
      assert.equal(reply.status, 200, reply.text);
      await assertRecorded(flag.id, 'reassign_slot');
      assert.deepEqual(await packageRow(w.db, p1), {
        state: 'placed',
        slot_id: 'A1-1',
        resident_id: w.alice,
      });
      const { rows } = await w.db.query('SELECT 1 FROM room_objects WHERE vanished_at IS NULL');
      assert.equal(rows.length, 0, 'the unexplained object was the package');
    });

    test('ambiguous_slot, package for another resident: the package changes hands', async () => {
      await deliver([p1, w.alice]);
      await observe('appeared', 5_000, 'A1-1', 4, { slots: ['A1-1', 'A1-2'], confidence: 0.7 });
      const flag = await onlyFlag(w.db, 'ambiguous_slot');
      const reply = await act(flag.id, { action: 'reassign_package', residentId: w.bob });
      assert.equal(reply.status, 200, reply.text);
      const { event } = await assertRecorded(flag.id, 'reassign_package');
      assert.equal((await packageRow(w.db, p1)).resident_id, w.bob);
      assert.equal((event.payload.resolution as Record<string, unknown>).fromResidentId, w.alice);
    });

    test('never_placed, found on a shelf: the package is placed where staff put it', async () => {
      await deliver([p1, w.alice]);
      await ledger.feed({ type: 'delivery_ended', atMs: 2_000, sessionId: d1 });
      await ledger.feed({ type: 'tick', atMs: 2_000 + 120_000 });
      const flag = await onlyFlag(w.db, 'never_placed');
      const reply = await act(flag.id, { action: 'reassign_slot', slotId: 'A2-2' });
      assert.equal(reply.status, 200, reply.text);
      await assertRecorded(flag.id, 'reassign_slot');
      assert.deepEqual(await packageRow(w.db, p1), {
        state: 'placed',
        slot_id: 'A2-2',
        resident_id: w.alice,
      });
    });

    test('never_placed after a restart, its parcel found as an unregistered object: joining them closes both, each audited', async () => {
      // The courier set the parcel down before registering it, and the service died mid-delivery.
      await observe('appeared', 500, 'B1-1', 3);
      await deliver([p1, w.alice]);
      const service = await RoomLedgerService.start({
        roomId,
        repository: w.store.ledger,
        tickIntervalMs: 0,
      });
      const withLedger = await startStaffApp(w.store, { ledger: service });
      try {
        const neverPlaced = await onlyFlag(w.db, 'never_placed');
        const object = await onlyFlag(w.db, 'unregistered_object');
        assert.equal(neverPlaced.status, 'open');
        const session = await login(withLedger.url, 'sam', 'sam-password-123');
        const reply = await call(withLedger.url, 'post', `/api/staff/flags/${object.id}/actions`, {
          session,
          body: { action: 'reassign_package', packageId: p1 },
        });
        assert.equal(reply.status, 200, reply.text);
        assert.deepEqual(
          reply.body.alsoResolved.map((f: { id: string; status: string }) => [f.id, f.status]),
          [[neverPlaced.id, 'resolved']],
        );
        assert.deepEqual(await packageRow(w.db, p1), {
          state: 'placed',
          slot_id: 'B1-1',
          resident_id: w.alice,
        });

        const { event: joined, audit: joinedAudit } = await assertRecorded(object.id, 'reassign_package');
        assert.deepEqual(joined.payload.alsoResolvedFlagIds, [neverPlaced.id]);
        assert.deepEqual(joinedAudit.details.alsoResolvedFlagIds, [neverPlaced.id]);
        const { event: settled, audit } = await assertRecorded(neverPlaced.id, 'package_settled');
        assert.deepEqual((await onlyFlag(w.db, 'never_placed')).resolution, {
          by: 'staff',
          action: 'package_settled',
          packageId: p1,
          packageState: 'placed',
          slotId: 'B1-1',
          withFlagId: object.id,
          withAction: 'reassign_package',
        });
        // The settled flag's event points at the placement staff made through the other flag.
        const placedEventId = (joined.payload.changes as Array<{ kind: string; eventId: number }>).find(
          (c) => c.kind === 'place',
        )?.eventId;
        assert.ok(placedEventId);
        assert.deepEqual(settled.payload.changeEventIds, [placedEventId]);
        assert.equal(audit.details.withFlagId, object.id);
        assert.equal(slotOfPackage(service.state, p1), 'B1-1');
        assert.equal(service.state.flags[neverPlaced.id], undefined, 'the ledger holds no open never_placed');
        const again = await call(withLedger.url, 'post', `/api/staff/flags/${neverPlaced.id}/actions`, {
          session,
          body: { action: 'reassign_slot', slotId: 'A2-2' },
        });
        assert.equal(again.status, 409);
        assert.equal(again.body.error.code, 'flag_closed');
      } finally {
        await withLedger.close();
        await service.stop();
      }
    });

    test('an action that leaves the package where it was keeps its never_placed flag open', async () => {
      await observe('appeared', 500, 'B1-1', 3);
      await deliver([p1, w.alice]);
      await ledger.feed({ type: 'delivery_ended', atMs: 2_000, sessionId: d1 });
      await ledger.feed({ type: 'tick', atMs: 2_000 + 120_000 });
      const object = await onlyFlag(w.db, 'unregistered_object');
      const reply = await act(object.id, { action: 'not_a_package', note: 'a tenant’s umbrella' });
      assert.equal(reply.status, 200, reply.text);
      assert.deepEqual(reply.body.alsoResolved, []);
      assert.equal((await onlyFlag(w.db, 'never_placed')).status, 'open');
      assert.equal((await packageRow(w.db, p1)).state, 'awaiting_placement');
    });

    test('removal_without_session, marked picked up: the pickup is recorded for the owner', async () => {
      await deliver([p1, w.alice]);
      await observe('appeared', 5_000, 'A2-1', 1);
      await ledger.feed({ type: 'delivery_ended', atMs: 6_000, sessionId: d1 });
      await observe('vanished', 90_000, 'A2-1', 5);
      const flag = await onlyFlag(w.db, 'removal_without_session');
      assert.equal((await packageRow(w.db, p1)).state, 'lost');
      const reply = await act(flag.id, { action: 'picked_up', note: 'Alice called: she has it' });
      assert.equal(reply.status, 200, reply.text);
      await assertRecorded(flag.id, 'picked_up');
      assert.deepEqual(await packageRow(w.db, p1), {
        state: 'picked_up',
        slot_id: null,
        resident_id: w.alice,
      });
      const { rows } = await w.db.query(
        'SELECT slot_id, resident_id, session_id FROM pickups WHERE package_id = $1',
        [p1],
      );
      assert.deepEqual(rows, [{ slot_id: 'A2-1', resident_id: w.alice, session_id: null }]);
      // Alice hears of it as of a pickup the cameras saw: once per channel she has.
      const outbox = await w.db.query<{ template: string; payload: { slotId: string; residentId: string } }>(
        `SELECT o.template, o.payload FROM notification_outbox o JOIN events e ON e.id = o.event_id
         WHERE e.package_id = $1 AND o.template = 'package_picked_up'`,
        [p1],
      );
      assert.ok(outbox.rows.length >= 1, 'a picked-up message is queued');
      for (const row of outbox.rows)
        assert.deepEqual([row.payload.slotId, row.payload.residentId], ['A2-1', w.alice]);
    });

    test('wrong_pickup, handed to the resident who took it: picked up by them', async () => {
      await deliver([p1, w.alice], [p2, w.bob]);
      await observe('appeared', 5_000, 'A1-1', 1);
      await observe('appeared', 10_000, 'A1-2', 2);
      await ledger.feed({
        type: 'pickup_started',
        atMs: 60_000,
        sessionId: s1,
        residentId: w.alice,
        packageIds: [p1],
      });
      await observe('vanished', 65_000, 'A1-2', 6);
      const flag = await onlyFlag(w.db, 'wrong_pickup');
      const reply = await act(flag.id, {
        action: 'picked_up',
        residentId: w.alice,
        note: 'Bob let Alice take it',
      });
      assert.equal(reply.status, 200, reply.text);
      await assertRecorded(flag.id, 'picked_up');
      assert.equal((await packageRow(w.db, p2)).state, 'picked_up');
      const { rows } = await w.db.query('SELECT resident_id FROM pickups WHERE package_id = $1', [p2]);
      assert.deepEqual(rows, [{ resident_id: w.alice }]);
    });

    test('several_moved, confirmed: the flag closes and the packages stay where recorded', async () => {
      await deliver([p1, w.alice], [p2, w.bob]);
      await observe('appeared', 5_000, 'A1-1', 1);
      await observe('appeared', 5_300, 'A1-2', 2);
      const flag = await onlyFlag(w.db, 'several_moved');
      const reply = await act(flag.id, { action: 'confirm' });
      assert.equal(reply.status, 200, reply.text);
      const { event } = await assertRecorded(flag.id, 'confirm');
      assert.deepEqual(event.payload.changes, []);
      assert.deepEqual(
        [(await packageRow(w.db, p1)).slot_id, (await packageRow(w.db, p2)).slot_id],
        ['A1-1', 'A1-2'],
      );
    });

    test('camera_offline, dismissed with a reason; the ledger later keeps the staff resolution', async () => {
      await ledger.feed({
        type: 'observed',
        atMs: 1_000,
        observation: { kind: 'camera_offline', cameraId: 'cam-1', reason: 'no frame for 3000 ms' },
      });
      await ledger.feed({ type: 'tick', atMs: 40_000 });
      const flag = await onlyFlag(w.db, 'camera_offline');
      const reply = await act(flag.id, { action: 'dismiss', reason: 'camera unplugged for cleaning' });
      assert.equal(reply.status, 200, reply.text);
      await assertRecorded(flag.id, 'dismiss', 'dismissed');
      await ledger.feed({
        type: 'observed',
        atMs: 50_000,
        observation: { kind: 'camera_online', cameraId: 'cam-1' },
      });
      const after = await onlyFlag(w.db, 'camera_offline');
      assert.equal(after.status, 'dismissed');
      assert.equal(after.resolution?.reason, 'camera unplugged for cleaning');
    });

    test('state_mismatch with an extra object, not a package: closed, the object stays', async () => {
      await deliver([p1, w.alice]);
      await observe('appeared', 5_000, 'A2-1', 1);
      const restarted = await DurableLedger.open(w.store, {}, 10_000, 'after');
      const proposal = restarted.ledger.proposeReconcile({ 'A2-1': 1, 'B1-1': 1 }, 10_000);
      await restarted.commit(proposal, { type: 'tick', atMs: 10_000 }, 'reconcile-1');
      const flag = await onlyFlag(w.db, 'state_mismatch');
      const reply = await act(flag.id, { action: 'not_a_package' });
      assert.equal(reply.status, 200, reply.text);
      await assertRecorded(flag.id, 'not_a_package');
    });

    test('refused actions change nothing and say why', async () => {
      await deliver([p1, w.alice]);
      await observe('appeared', 5_000, 'A2-1', 1);
      await ledger.feed({ type: 'delivery_ended', atMs: 6_000, sessionId: d1 });
      await observe('vanished', 90_000, 'A2-1', 5);
      const flag = await onlyFlag(w.db, 'removal_without_session');
      const counts = async () => {
        const { rows } = await w.db.query<{ e: number; a: number; p: number }>(
          `SELECT (SELECT count(*) FROM events)::int AS e, (SELECT count(*) FROM audit_log)::int AS a,
           (SELECT count(*) FROM placements)::int AS p`,
        );
        return rows[0];
      };
      const before = await counts();
      const refusals: Array<[unknown, number, string]> = [
        [{ action: 'reassign_slot', slotId: 'Z9-9' }, 422, 'unknown_slot'],
        [{ action: 'not_a_package' }, 409, 'not_an_object'],
        [{ action: 'dismiss', reason: '' }, 400, 'invalid_request'],
        [{ action: 'dismiss' }, 400, 'invalid_request'],
        [{ action: 'reassign_package' }, 400, 'invalid_request'],
        [{ action: 'picked_up', residentId: uuid(4242) }, 422, 'unknown_resident'],
        [{ action: 'launch' }, 400, 'invalid_request'],
        [{ action: 'confirm', extra: true }, 400, 'invalid_request'],
      ];
      for (const [body, status, code] of refusals) {
        const reply = await act(flag.id, body);
        assert.equal(reply.status, status, `${JSON.stringify(body)}: ${reply.text}`);
        assert.equal(reply.body.error.code, code);
        assert.ok(reply.body.error.message.length > 5);
      }
      assert.match(
        (await act(flag.id, { action: 'reassign_slot', slotId: 'Z9-9' })).body.error.message,
        /slot Z9-9 is not in room/,
      );
      assert.deepEqual(await counts(), before);
      assert.equal((await onlyFlag(w.db, 'removal_without_session')).status, 'open');
      assert.equal((await act(flag.id, { action: 'picked_up' })).status, 200);
      const twice = await act(flag.id, { action: 'confirm' }, admin);
      assert.equal(twice.status, 409);
      assert.equal(twice.body.error.code, 'flag_closed');
      assert.match(twice.body.error.message, /already resolved by sam/);
    });

    test('the running ledger is told to re-read and then holds the package where staff put it', async () => {
      await deliver([p1, w.alice]);
      await observe('appeared', 5_000, 'A1-1', 4, { slots: ['A1-1', 'A1-2'], confidence: 0.7 });
      const service = await RoomLedgerService.start({
        roomId,
        repository: w.store.ledger,
        tickIntervalMs: 0,
      });
      const withLedger = await startStaffApp(w.store, { ledger: service });
      try {
        const session = await login(withLedger.url, 'sam', 'sam-password-123');
        const flag = await onlyFlag(w.db, 'ambiguous_slot');
        const reply = await call(withLedger.url, 'post', `/api/staff/flags/${flag.id}/actions`, {
          session,
          body: { action: 'reassign_slot', slotId: 'A1-2' },
        });
        assert.equal(reply.status, 200, reply.text);
        assert.equal(reply.body.ledgerReloaded, true);
        assert.equal(slotOfPackage(service.state, p1), 'A1-2');
        assert.equal(service.state.flags[flag.id], undefined, 'the closed flag is not open in the ledger');
      } finally {
        await withLedger.close();
        await service.stop();
      }
    });

    test('the live stream announces a new flag and its resolution', async () => {
      const controller = new AbortController();
      const response = await fetch(`${app.url}/api/staff/flags/stream`, {
        headers: { cookie: staff.cookie },
        signal: controller.signal,
      });
      assert.equal(response.headers.get('content-type'), 'text/event-stream; charset=utf-8');
      const reader = response.body!.getReader();
      const decoder = new TextDecoder();
      let buffered = '';
      const nextVersion = async (): Promise<{ openCount: number }> => {
        for (;;) {
          const match = /event: flags\ndata: (.*)\n\n/.exec(buffered);
          if (match) {
            buffered = buffered.slice(match.index + match[0].length);
            return JSON.parse(match[1]!);
          }
          const { value, done } = await reader.read();
          if (done) throw new Error('stream ended');
          buffered += decoder.decode(value, { stream: true });
        }
      };
      try {
        assert.equal((await nextVersion()).openCount, 0);
        await observe('appeared', 5_000, 'B1-1', 3);
        assert.equal((await nextVersion()).openCount, 1);
        const flag = await onlyFlag(w.db, 'unregistered_object');
        await act(flag.id, { action: 'dismiss', reason: 'test object' });
        assert.equal((await nextVersion()).openCount, 0);
      } finally {
        controller.abort();
      }
    });

    test('the room overview shows what each slot holds, cameras from the outages, and no controller', async () => {
      await deliver([p1, w.alice]);
      await observe('appeared', 5_000, 'A2-1', 1);
      await observe('appeared', 20_000, 'B1-1', 2);
      await ledger.feed({
        type: 'observed',
        atMs: 30_000,
        observation: { kind: 'camera_offline', cameraId: 'cam-1', reason: 'no frame for 3000 ms' },
      });
      const reply = await call(app.url, 'get', '/api/staff/room', { session: staff });
      assert.equal(reply.status, 200, reply.text);
      const slot = (id: string) => reply.body.slots.find((s: { id: string }) => s.id === id);
      assert.deepEqual(
        slot('A2-1').packages.map((p: { id: string }) => p.id),
        [p1],
      );
      assert.equal(slot('A2-1').packages[0].recipient.lastName, 'Martin');
      assert.equal(slot('B1-1').objects.length, 1);
      assert.equal(slot('B1-1').openFlagCount, 1);
      assert.deepEqual(
        reply.body.cameras.map((c: { id: string; status: string; offlineReason: string }) => [
          c.id,
          c.status,
          c.offlineReason,
        ]),
        [['cam-1', 'offline', 'no frame for 3000 ms']],
      );
      assert.equal(reply.body.cameraHealthSource, 'ledger');
      assert.deepEqual(reply.body.controller, { linkState: 'not_configured', lastState: null });
      assert.equal(
        (await call(app.url, 'get', '/api/staff/room?roomId=nowhere', { session: staff })).status,
        404,
      );
    });

    test('packages are found by name, unit, tracking number, carrier, state and date', async () => {
      await deliver([p1, w.alice], [p2, w.bob]);
      await observe('appeared', 5_000, 'A1-1', 1);
      const search = async (query: string) => {
        const reply = await call(app.url, 'get', `/api/staff/packages?${query}`, { session: staff });
        assert.equal(reply.status, 200, reply.text);
        return reply.body.packages.map((p: { id: string }) => p.id).sort();
      };
      assert.deepEqual(await search('name=alice'), [p1]);
      assert.deepEqual(await search('name=OKAF'), [p2]);
      assert.deepEqual(await search('unit=2a'), [p2]);
      assert.deepEqual(await search('trackingNumber=AA11100'), [p1]);
      assert.deepEqual(await search('carrier=ups'), [p1, p2]);
      assert.deepEqual(await search('carrier=fedex'), []);
      assert.deepEqual(await search('state=placed'), [p1]);
      assert.deepEqual(
        await search('from=1970-01-01&to=1970-01-01'),
        [p1, p2],
        'registered on the ledger’s clock',
      );
      assert.deepEqual(await search('from=1970-01-02'), []);
      assert.deepEqual(await search('name=%25'), [], 'a wildcard is a character');
      const bad = await call(app.url, 'get', '/api/staff/packages?from=yesterday', { session: staff });
      assert.equal(bad.status, 400);
      assert.match(bad.body.error.message, /^from: must be a date/);
    });

    test('sign-ins and flag actions are counted in the metrics', async () => {
      const counted = async () => {
        const text = await (await fetch(`${app.url}/metrics`)).text();
        const value = (pattern: string) => Number(new RegExp(`^${pattern} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
        return {
          logins: value('parcelroom_staff_logins_total\\{outcome="ok"\\}'),
          done: value('parcelroom_staff_flag_actions_total\\{action="confirm",outcome="done"\\}'),
          refused: value('parcelroom_staff_flag_actions_total\\{action="confirm",outcome="refused"\\}'),
          timed: value('parcelroom_staff_flag_action_seconds_count'),
        };
      };
      const before = await counted();
      assert.ok(before.logins >= 2);
      await observe('appeared', 5_000, 'B1-1', 3);
      const flag = await onlyFlag(w.db, 'unregistered_object');
      await act(flag.id, { action: 'confirm' });
      await act(flag.id, { action: 'confirm' });
      const after = await counted();
      assert.deepEqual(
        [after.done - before.done, after.refused - before.refused, after.timed - before.timed],
        [1, 1, 1],
      );
    });

    test('residents, couriers with PIN reset and staff accounts are managed, each change audited', async () => {
      const added = await call(app.url, 'post', '/api/staff/residents', {
        session: staff,
        body: { apartment: '5D', firstName: 'Dana', lastName: 'Reyes', email: 'dana@example.test' },
      });
      assert.equal(added.status, 201, added.text);
      const residentId = added.body.resident.id;
      const moved = await call(app.url, 'patch', `/api/staff/residents/${residentId}`, {
        session: staff,
        body: { active: false, phone: '+1 555 010 0199' },
      });
      assert.deepEqual([moved.body.resident.active, moved.body.resident.phone], [false, '+1 555 010 0199']);

      const courier = await call(app.url, 'post', '/api/staff/couriers', {
        session: admin,
        body: { name: 'Kim', company: 'DHL', pin: '482913', rfidTag: 'RF-0042' },
      });
      assert.equal(courier.status, 201, courier.text);
      const courierId = courier.body.courier.id;
      const reset = await call(app.url, 'post', `/api/staff/couriers/${courierId}/pin`, {
        session: admin,
        body: {},
      });
      assert.match(reset.body.pin, /^\d{6}$/);
      const { rows } = await w.db.query<{ pin_hash: string }>('SELECT pin_hash FROM couriers WHERE id = $1', [
        courierId,
      ]);
      assert.ok(rows[0]!.pin_hash.startsWith('$argon2id$'));
      assert.equal(await argon2.verify(rows[0]!.pin_hash, reset.body.pin), true);
      assert.equal(await argon2.verify(rows[0]!.pin_hash, '482913'), false);
      const duplicateTag = await call(app.url, 'post', '/api/staff/couriers', {
        session: admin,
        body: { name: 'Lee', company: 'DHL', pin: '1234', rfidTag: 'RF-0042' },
      });
      assert.equal(duplicateTag.status, 409);

      const account = await call(app.url, 'post', '/api/staff/accounts', {
        session: admin,
        body: { username: 'Night.Desk', displayName: 'Night desk', password: 'short', role: 'staff' },
      });
      assert.equal(account.status, 400);
      assert.match(account.body.error.message, /^password: must be at least 12 characters/);
      const created = await call(app.url, 'post', '/api/staff/accounts', {
        session: admin,
        body: {
          username: 'Night.Desk',
          displayName: 'Night desk',
          password: 'a long enough one',
          role: 'staff',
        },
      });
      assert.equal(created.body.account.username, 'night.desk');
      await login(app.url, 'night.desk', 'a long enough one');
      const lastAdmin = await call(app.url, 'patch', `/api/staff/accounts/${admin.user.id}`, {
        session: admin,
        body: { role: 'staff' },
      });
      assert.equal(lastAdmin.status, 409);
      assert.equal(lastAdmin.body.error.code, 'last_admin');

      const { rows: audit } = await w.db.query<{ action: string; actor_id: string; details: unknown }>(
        `SELECT action, actor_id, details FROM audit_log WHERE action NOT LIKE 'staff.login%' ORDER BY id`,
      );
      assert.deepEqual(
        audit.map((a) => a.action),
        ['resident.added', 'resident.changed', 'courier.added', 'courier.pin_reset', 'staff.account_created'],
      );
      assert.doesNotMatch(
        JSON.stringify(audit),
        /482913|a long enough one/,
        'no PIN or password in the audit log',
      );
    });
  });
