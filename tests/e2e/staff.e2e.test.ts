import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import argon2 from 'argon2';
import { type Browser, chromium, type Page } from 'playwright-core';
import sharp from 'sharp';
import { loadLayoutFile } from '../../calibration/index.ts';
import { roomRecordFromLayout } from '../../services/app/index.ts';
import { type EvidencePictures, type LedgerInput, RoomLedger } from '../../services/ledger/index.ts';
import {
  createStore,
  type Database,
  migrateToLatest,
  openDatabase,
  type Store,
} from '../../services/store/index.ts';
import { openSimulatedRoom, type SimulatedRoom } from '../../simulator/index.ts';
import { createScratchDatabase, type ScratchDatabase } from '../support/databases.ts';
import { screenshotFolder } from '../support/screenshots.ts';
import { repoRoot, type ServiceProcess, startServiceProcess } from '../support/service-process.ts';

const layoutFile = join(repoRoot, 'calibration/rooms/demo-room.yaml');
const screenshots = screenshotFolder();
const password = 'front-desk-password';
// Valid UUIDs whose first eight digits (what summaries show) differ.
const id = (n: number) =>
  `${(0x2a000000 + n * 0x10a3d7).toString(16).slice(-8)}-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
const P = Object.fromEntries([1, 2, 3, 4, 5, 6, 7, 8, 9].map((n) => [`p${n}`, id(n)])) as Record<
  string,
  string
>;

/**
 * The demo room's history before the service starts: one flag of every kind, written by the
 * pure ledger through the store exactly as the running service would, with pictures rendered
 * by the simulator's camera.
 */
async function writeHistory(
  store: Store,
  sim: SimulatedRoom,
  layout: Awaited<ReturnType<typeof loadLayoutFile>>,
) {
  const alice = await store.people.addResident({
    apartment: '4B',
    firstName: 'Alice',
    lastName: 'Martin',
    email: 'alice@example.test',
  });
  const bob = await store.people.addResident({
    apartment: '2A',
    firstName: 'Bob',
    lastName: 'Okafor',
    email: 'bob@example.test',
  });
  const courier = await store.people.addCourier({ name: 'Sam Rivera', company: 'UPS', pinHash: 'x' });
  const ledger = new RoomLedger(await store.ledger.loadLedgerState('demo', 0));
  // The service's own ledger runs on the wall clock: the history ends a few minutes ago, with every
  // delivery ended, as a service stopped between visits leaves it. (A delivery left open would be
  // closed as abandoned at the service's start and its packages flagged; that is the restart tests'
  // business, not this one's.)
  const t0 = Date.now() - 7400_000;
  let inputs = 0;
  const feed = async (input: LedgerInput) => {
    const proposal = ledger.propose(input);
    await store.ledger.applyBatch('demo', {
      inputId: `e2e-${++inputs}`,
      input,
      decisions: proposal.decisions,
    });
    ledger.adopt(proposal);
  };
  const camera = layout.cameras[0]!;
  const polygons = camera.slots as Record<string, Array<[number, number]>>;
  let simMs = 0;
  /** The simulated camera's frame with a parcel on `slotId`, and the crop around it. */
  const shot = async (
    slotId: string,
    place: boolean,
  ): Promise<{
    pictures: EvidencePictures;
    box: { x: number; y: number; width: number; height: number };
  }> => {
    simMs += 10_000;
    simMs = (place ? sim.place(slotId, simMs) : sim.take(slotId, simMs)).doneAtMs + 500;
    const { jpeg } = await sim.renderJpeg(camera.id, simMs, 0);
    const xs = polygons[slotId]!.map((p) => p[0]);
    const ys = polygons[slotId]!.map((p) => p[1]);
    // The polygon is the slot's floor; the parcel stands on it, so the box reaches up.
    const box = { x: Math.floor(Math.min(...xs)), y: Math.floor(Math.min(...ys) - 70), width: 0, height: 0 };
    box.width = Math.ceil(Math.max(...xs)) - box.x;
    box.height = Math.ceil(Math.max(...ys)) - box.y;
    const cropJpeg = await sharp(jpeg)
      .extract({ left: box.x, top: box.y, width: box.width, height: box.height })
      .jpeg()
      .toBuffer();
    return { pictures: { frameJpeg: jpeg, cropJpeg }, box };
  };
  const observe = async (
    kind: 'appeared' | 'vanished',
    atS: number,
    slotId: string,
    extra: { slots?: string[]; confidence?: number } = {},
  ) => {
    const { pictures, box } = await shot(slotId, kind === 'appeared');
    await feed({
      type: 'observed',
      atMs: t0 + atS * 1000,
      observation: {
        kind,
        slotId,
        slots: extra.slots ?? [slotId],
        cameraId: camera.id,
        box,
        confidence: extra.confidence ?? 0.92,
        pictures,
      },
    });
  };
  const delivery = async (n: number, atS: number, ...packages: Array<[string, string]>) => {
    await feed({
      type: 'delivery_started',
      atMs: t0 + atS * 1000,
      sessionId: id(100 + n),
      courierId: courier.id,
    });
    for (const [i, [packageId, residentId]] of packages.entries()) {
      await feed({
        type: 'package_registered',
        atMs: t0 + atS * 1000 + 100 * (i + 1),
        sessionId: id(100 + n),
        packageId,
        residentId,
        details: { courierId: courier.id, carrier: 'UPS', trackingNumber: `1Z999AA10${n}23456784${i}` },
      });
    }
  };
  const ended = (n: number, atS: number) =>
    feed({ type: 'delivery_ended', atMs: t0 + atS * 1000, sessionId: id(100 + n) });

  // ambiguous_slot: a parcel across A1-1 and A1-2, recorded in A1-1.
  await delivery(1, 0, [P.p1!, alice.id]);
  await observe('appeared', 10, 'A1-1', { slots: ['A1-1', 'A1-2'], confidence: 0.71 });
  await ended(1, 20);
  // removal_without_session: Alice's parcel leaves A2-1 with no pickup open.
  await delivery(2, 1000, [P.p2!, alice.id]);
  await observe('appeared', 1010, 'A2-1');
  await ended(2, 1020);
  await observe('vanished', 1400, 'A2-1');
  // wrong_pickup: Alice, picking up hers in A3-1, takes Bob's from A3-3.
  await delivery(3, 2000, [P.p3!, alice.id], [P.p4!, bob.id]);
  await observe('appeared', 2010, 'A3-1');
  await observe('appeared', 2020, 'A3-3');
  await ended(3, 2030);
  await feed({
    type: 'pickup_started',
    atMs: t0 + 2100_000,
    sessionId: id(200),
    residentId: alice.id,
    packageIds: [P.p3!],
  });
  await observe('vanished', 2110, 'A3-3');
  await feed({ type: 'pickup_ended', atMs: t0 + 2130_000, sessionId: id(200) });
  // several_moved: two parcels land within a second.
  await delivery(4, 3000, [P.p5!, bob.id], [P.p6!, alice.id]);
  await observe('appeared', 3010, 'A4-1');
  await observe('appeared', 3010.4, 'A4-2');
  await ended(4, 3020);
  // camera_offline: cam-3 silent for longer than the limit.
  await feed({
    type: 'observed',
    atMs: t0 + 4000_000,
    observation: { kind: 'camera_offline', cameraId: 'cam-3', reason: 'no frame for 3000 ms' },
  });
  await feed({ type: 'tick', atMs: t0 + 4040_000 });
  // state_mismatch: after a restart the camera sees something in A5-1 the rows do not hold.
  const mismatch = ledger.proposeReconcile({ 'A5-1': 1 }, t0 + 5000_000);
  await store.ledger.applyBatch('demo', {
    inputId: 'e2e-reconcile',
    input: { type: 'tick', atMs: t0 + 5000_000 },
    decisions: mismatch.decisions,
  });
  ledger.adopt(mismatch);
  // never_placed: Bob's parcel registered, the courier left, it never reached a shelf.
  await delivery(5, 6000, [P.p7!, bob.id]);
  await ended(5, 6010);
  await feed({ type: 'tick', atMs: t0 + 6140_000 });
  // unregistered_object: something lands in A1-3 with nothing waiting; then the courier registers
  // it and leaves, and two minutes on it is never_placed too: staff join the two flags.
  await observe('appeared', 7000, 'A1-3');
  await delivery(6, 7030, [P.p8!, bob.id]);
  await ended(6, 7040);
  await feed({ type: 'tick', atMs: t0 + 7170_000 });
  return { alice: alice.id, bob: bob.id };
}

async function until(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('the page did not get there in time');
    await sleep(50);
  }
}

/** The open flags by kind; p8's never_placed flag, the second of its kind, is `never_placed_p8`. */
async function flagIds(db: Database): Promise<Record<string, string>> {
  const { rows } = await db.query<{ id: string; kind: string; package_id: string | null }>(
    "SELECT id, kind, package_id FROM flags WHERE status = 'open'",
  );
  return Object.fromEntries(
    rows.map((r) => [r.kind === 'never_placed' && r.package_id === P.p8 ? 'never_placed_p8' : r.kind, r.id]),
  );
}

describe('staff review in a real browser', () => {
  let scratch: ScratchDatabase;
  let db: Database;
  let store: Store;
  let service: ServiceProcess;
  let browser: Browser;
  let page: Page;
  let people: { alice: string; bob: string };
  let flags: Record<string, string>;
  let staffId: string;

  before(async () => {
    scratch = await createScratchDatabase();
    db = await openDatabase({ url: scratch.url, dataDir: 'unused', poolSize: 2 });
    await migrateToLatest(db);
    store = createStore(db);
    const layout = await loadLayoutFile(layoutFile);
    await store.rooms.sync(roomRecordFromLayout(layout));
    const sim = await openSimulatedRoom({ layout, scenario: 'live', loop: false });
    people = await writeHistory(store, sim, layout);
    const hash = await argon2.hash(password, { type: argon2.argon2id, memoryCost: 4096, timeCost: 2 });
    staffId = (
      await store.people.addStaffUser({
        username: 'frontdesk',
        displayName: 'Front desk',
        passwordHash: hash,
        role: 'admin',
      })
    ).id;
    flags = await flagIds(db);
    assert.equal(
      Object.keys(flags).length,
      9,
      `one open flag of each kind, and p8's never_placed: ${Object.keys(flags)}`,
    );

    [service, browser] = await Promise.all([
      startServiceProcess({
        DATABASE_URL: scratch.url,
        PARCELROOM_SIMULATOR: 'false',
        PARCELROOM_NOTIFICATIONS: 'false',
        PARCELROOM_DEMO_SEED: 'false',
      }),
      chromium.launch({
        executablePath: '/usr/bin/chromium',
        args: [
          '--headless=new',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-quic',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
        ],
      }),
    ]);
    page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
    page.on('request', (r) => {
      if (r.method() === 'POST') console.log('POST', r.url(), r.postData());
    });
    mkdirSync(screenshots, { recursive: true });
  });
  after(async () => {
    await browser?.close();
    await service?.stop();
    await db?.close();
    await scratch?.drop();
  });

  async function resolveIn(kind: string, act: () => Promise<void>) {
    await page.click(`#flag-list li[data-flag-id="${flags[kind]}"]`);
    await page.waitForSelector(`#flag-detail[data-flag-id="${flags[kind]}"]:not([aria-busy]) #flag-summary`);
    await act();
    await Promise.race([
      page.waitForSelector('#action-done'),
      page
        .locator('#action-error')
        .filter({ hasText: /./ })
        .waitFor()
        .then(async () => {
          throw new Error(`the page refused: ${await page.textContent('#action-error')}`);
        }),
    ]);
    await page.waitForSelector(`#flag-list li[data-flag-id="${flags[kind]}"]`, { state: 'detached' });
  }

  test('staff signs in, resolves one flag of every kind, and the database and audit log agree', async () => {
    await page.goto(`${service.url}/staff`);
    await page.waitForSelector('#login-form');
    await page.fill('#login-username', 'frontdesk');
    await page.fill('#login-password', 'not-the-password');
    await page.click('#login-submit');
    await page.locator('#login-error', { hasText: 'wrong' }).waitFor();
    await page.fill('#login-password', password);
    await page.screenshot({ path: join(screenshots, 'staff-login.png') });
    await page.click('#login-submit');
    await page.waitForSelector('#flag-list li[data-flag-id]');
    assert.equal(await page.locator('#flag-list li[data-flag-id]').count(), 9);
    await page.locator('#live-state', { hasText: /^live$/ }).waitFor();
    const { rows: atStart } = await db.query<{ open: number; abandoned: number }>(
      `SELECT (SELECT count(*) FROM flags WHERE status = 'open')::int AS open,
         (SELECT count(*) FROM events WHERE type = 'delivery.abandoned')::int AS abandoned`,
    );
    assert.deepEqual(atStart[0], { open: 9, abandoned: 0 }, 'the service’s start found nothing left open');

    // The evidence: the frame with its box, the crop, the timeline.
    await page.click(`#flag-list li[data-flag-id="${flags.ambiguous_slot}"]`);
    await page.waitForSelector(
      `#flag-detail[data-flag-id="${flags.ambiguous_slot}"]:not([aria-busy]) .frame .box`,
    );
    // The page forbids eval (CSP), so the test polls from here rather than inside the page.
    await until(() =>
      page
        .locator('#flag-detail img')
        .evaluateAll((images) => images.every((i) => (i as any).naturalWidth > 0)),
    );
    assert.ok((await page.locator('#flag-detail .timeline div').count()) >= 4);
    await page.screenshot({ path: join(screenshots, 'staff-flag-queue.png'), fullPage: true });

    await resolveIn('ambiguous_slot', async () => {
      await page.selectOption('#action-slotId', 'A1-2');
      await page.click('#act-reassign-slot');
    });
    await resolveIn('removal_without_session', () => page.click('#act-picked-up'));
    await resolveIn('wrong_pickup', async () => {
      await page.selectOption('#action-residentId', people.alice);
      await page.click('#act-picked-up');
    });
    await resolveIn('several_moved', () => page.click('#act-confirm'));
    await resolveIn('camera_offline', async () => {
      await page.fill('#action-reason', 'camera unplugged for cleaning');
      await page.click('#act-dismiss');
    });
    await resolveIn('state_mismatch', () => page.click('#act-not-a-package'));
    await resolveIn('never_placed', async () => {
      await page.selectOption('#action-slotId', 'A5-4');
      await page.click('#act-reassign-slot');
    });
    // A refusal shows its reason in the page and changes nothing.
    await page.click(`#flag-list li[data-flag-id="${flags.unregistered_object}"]`);
    await page.waitForSelector(
      `#flag-detail[data-flag-id="${flags.unregistered_object}"]:not([aria-busy]) #flag-summary`,
    );
    await page.click('#act-dismiss');
    await page.locator('#action-error', { hasText: 'reason' }).waitFor();
    // The object is p8: placing it there answers p8's never_placed flag too.
    await resolveIn('unregistered_object', async () => {
      await page.selectOption('#action-packageId', P.p8!);
      await page.click('#act-reassign-package');
    });
    await page.locator('#action-also-resolved', { hasText: 'never placed' }).waitFor();
    assert.equal(await page.locator('#flag-list li[data-flag-id]').count(), 0);

    const { rows: closed } = await db.query<{
      id: string;
      kind: string;
      status: string;
      resolved_by: string;
      resolution: any;
    }>('SELECT id, kind, status, resolved_by, resolution FROM flags ORDER BY kind');
    const expected: Record<string, [string, string]> = {
      ambiguous_slot: ['resolved', 'reassign_slot'],
      camera_offline: ['dismissed', 'dismiss'],
      never_placed: ['resolved', 'reassign_slot'],
      never_placed_p8: ['resolved', 'package_settled'],
      removal_without_session: ['resolved', 'picked_up'],
      several_moved: ['resolved', 'confirm'],
      state_mismatch: ['resolved', 'not_a_package'],
      unregistered_object: ['resolved', 'reassign_package'],
      wrong_pickup: ['resolved', 'picked_up'],
    };
    const kindOf = Object.fromEntries(Object.entries(flags).map(([kind, flagId]) => [flagId, kind]));
    assert.deepEqual(
      Object.fromEntries(closed.map((f) => [kindOf[f.id], [f.status, f.resolution.action]])),
      expected,
    );
    assert.equal(
      closed.find((f) => f.id === flags.never_placed_p8)!.resolution.withFlagId,
      flags.unregistered_object,
    );
    assert.ok(closed.every((f) => f.resolved_by === staffId));
    const { rows: audit } = await db.query<{
      action: string;
      target_id: string;
      actor_id: string;
      details: any;
    }>(
      `SELECT action, target_id, actor_id, details FROM audit_log WHERE actor_kind = 'staff' AND target_kind = 'flag' ORDER BY id`,
    );
    assert.equal(audit.length, 9, 'one audit row per flag closed, the refused action not among them');
    const { rows: reviews } = await db.query<{ id: number; payload: any }>(
      `SELECT id, payload FROM events WHERE type = 'flag.reviewed'`,
    );
    for (const flag of closed) {
      const row = audit.find((a) => a.target_id === flag.id)!;
      assert.equal(row.action, `flag.${flag.resolution.action}`);
      assert.equal(row.actor_id, staffId);
      const review = reviews.find((e) => e.id === row.details.eventId)!;
      assert.equal(review.payload.flagId, flag.id);
      assert.deepEqual(review.payload.resolution, flag.resolution);
    }
    const pkg = async (packageId: string) =>
      (
        await db.query<{ state: string; slot_id: string | null; resident_id: string }>(
          'SELECT state, slot_id, resident_id FROM packages WHERE id = $1',
          [packageId],
        )
      ).rows[0]!;
    assert.deepEqual(await pkg(P.p1!), { state: 'placed', slot_id: 'A1-2', resident_id: people.alice });
    assert.deepEqual(await pkg(P.p2!), { state: 'picked_up', slot_id: null, resident_id: people.alice });
    assert.equal((await pkg(P.p4!)).state, 'picked_up');
    assert.deepEqual(await pkg(P.p7!), { state: 'placed', slot_id: 'A5-4', resident_id: people.bob });
    assert.deepEqual(await pkg(P.p8!), { state: 'placed', slot_id: 'A1-3', resident_id: people.bob });
    const { rows: pickups } = await db.query<{ package_id: string; resident_id: string }>(
      'SELECT package_id, resident_id FROM pickups ORDER BY package_id',
    );
    assert.deepEqual(
      pickups.map((p) => [p.package_id, p.resident_id]),
      [
        [P.p2, people.alice],
        [P.p4, people.alice],
      ],
    );
  });

  test('a flag raised while the page is open appears without a reload', async () => {
    const before = await db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM flags WHERE status = 'open'",
    );
    assert.equal(before.rows[0]!.n, 0);
    const ledger = new RoomLedger(await store.ledger.loadLedgerState('demo', Date.now()));
    for (const input of [
      {
        type: 'observed',
        atMs: Date.now(),
        observation: { kind: 'camera_offline', cameraId: 'cam-2', reason: 'stream closed' },
      },
      { type: 'tick', atMs: Date.now() + 31_000 },
    ] as LedgerInput[]) {
      const proposal = ledger.propose(input);
      await store.ledger.applyBatch('demo', {
        inputId: `live-${input.type}`,
        input,
        decisions: proposal.decisions,
      });
      ledger.adopt(proposal);
    }
    await page.waitForSelector('#flag-list li[data-kind="camera_offline"]');
    assert.equal(await page.textContent('#open-count'), '1');
  });

  test('the room overview and package search show the room as the database holds it', async () => {
    await page.click('#tabs button[data-tab="room"]');
    await page.waitForSelector('#room-units .slot[data-slot-id="A1-2"]');
    assert.match((await page.textContent('.slot[data-slot-id="A1-2"]')) ?? '', /Martin 4B/);
    assert.match((await page.textContent('#room-status')) ?? '', /1 open flags/);
    await page.screenshot({ path: join(screenshots, 'staff-room.png'), fullPage: true });

    await page.click('#tabs button[data-tab="packages"]');
    await page.fill('#package-search input[name="name"]', 'okafor');
    await page.click('#package-search button[type="submit"]');
    await until(async () => (await page.locator('#package-rows tr').count()) === 4);
    await page.screenshot({ path: join(screenshots, 'staff-packages.png'), fullPage: true });
  });
});
