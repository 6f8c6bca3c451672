import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createPhotoLinks } from '../../../services/notifications/index.ts';
import { guardedApiRoutes, type StaffRoute, staffRouteTable } from '../../../services/staff/index.ts';
import { DurableLedger, openLedgerWorld, pictures, type World } from '../../store/ledger-store-harness.ts';
import { box, uuid } from '../ledger/ledger-fixtures.ts';
import { addStaff, call, login, type Session, type StaffApp, startStaffApp } from './staff-harness.ts';

const everyRoute: readonly StaffRoute[] = [...staffRouteTable, ...guardedApiRoutes];
const adminRoutes = everyRoute.filter((r) => r.role === 'admin');
const changingRoutes = everyRoute.filter((r) => r.method !== 'get');
// Any well-formed id: the guard must refuse before the route looks anything up.
const concrete = (path: string) => path.replace(/:[a-zA-Z]+Id/g, uuid(999)).replace(':roomId', 'ledger-room');
// Long enough that a loaded machine still makes the five attempts inside it.
const userLockoutMs = 2500;

/** Nothing that helps an attacker: no stack frames, no SQL, no file paths, no driver names. */
function assertNoInternals(text: string) {
  assert.doesNotMatch(text, /\bat [\w.<>]+ \(|node:internal|\.ts:\d+|\/work\//, 'no stack trace');
  assert.doesNotMatch(text, /\b(SELECT|INSERT|UPDATE|DELETE)\b.*\b(FROM|INTO|SET)\b/i, 'no SQL');
  assert.doesNotMatch(
    text,
    /postgres|pg_|relation "|syntax error|invalid byte sequence/i,
    'no database detail',
  );
}

describe('staff security', () => {
  let w: World;
  let app: StaffApp;
  let admin: Session;
  let staff: Session;
  const photoLinks = createPhotoLinks('0123456789abcdef0123456789abcdef');
  const [alicePackage, bobPackage] = [uuid(1), uuid(2)];

  before(async () => {
    w = await openLedgerWorld('server');
    await addStaff(w.store, 'ada', 'ada-password-123', 'admin');
    await addStaff(w.store, 'sam', 'sam-password-123', 'staff');
    await addStaff(w.store, 'locky', 'locky-password-1', 'staff');
    app = await startStaffApp(w.store, {
      photoLinks,
      auth: {
        loginLimits: { maxFailuresPerUser: 3, userLockoutMs, maxFailuresPerIp: 1000, ipWindowMs: 60_000 },
      },
    });
    admin = await login(app.url, 'ada', 'ada-password-123');
    staff = await login(app.url, 'sam', 'sam-password-123');
    // Two residents' packages on the shelves, each with its photo.
    const ledger = await DurableLedger.open(w.store);
    const session = uuid(100);
    await ledger.feed({ type: 'delivery_started', atMs: 1_000, sessionId: session, courierId: w.courier });
    await ledger.feed({
      type: 'package_registered',
      atMs: 1_100,
      sessionId: session,
      packageId: alicePackage,
      residentId: w.alice,
    });
    await ledger.feed({
      type: 'package_registered',
      atMs: 1_200,
      sessionId: session,
      packageId: bobPackage,
      residentId: w.bob,
    });
    for (const [atMs, slotId, seed] of [
      [5_000, 'A1-1', 1],
      [20_000, 'A1-2', 2],
    ] as const) {
      await ledger.feed({
        type: 'observed',
        atMs,
        observation: {
          kind: 'appeared',
          slotId,
          slots: [slotId],
          cameraId: 'cam-1',
          box,
          confidence: 0.9,
          pictures: await pictures(seed),
        },
      });
    }
  });
  after(async () => {
    await app?.close();
    await w?.db.close();
    await w?.scratch.drop();
  });

  test('every staff route refuses a request without a session with 401', async () => {
    assert.ok(everyRoute.length >= 25, 'the table lists the whole staff API');
    for (const route of everyRoute) {
      const reply = await call(app.url, route.method, concrete(route.path), {
        body: route.method === 'get' ? undefined : {},
      });
      assert.equal(reply.status, 401, `${route.method} ${route.path}`);
      assert.equal(reply.body.error.code, 'unauthenticated', `${route.method} ${route.path}`);
    }
  });

  test('a forged, expired-format or foreign session cookie is no session', async () => {
    for (const cookie of [
      'parcelroom_staff=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
      'parcelroom_staff=x',
      `other=${admin.cookie.split('=')[1]}`,
    ]) {
      const reply = await call(app.url, 'get', '/api/staff/flags', { headers: { cookie } });
      assert.equal(reply.status, 401, cookie);
    }
  });

  test('every admin route refuses a staff member with 403 and changes nothing', async () => {
    assert.ok(adminRoutes.length >= 7);
    const couriersBefore = (await w.store.people.listCouriers()).length;
    for (const route of adminRoutes) {
      const reply = await call(app.url, route.method, concrete(route.path), {
        session: staff,
        body: route.method === 'get' ? undefined : { name: 'Eve', company: 'Evil', pin: '123456' },
      });
      assert.equal(reply.status, 403, `${route.method} ${route.path}`);
      assert.equal(reply.body.error.code, 'forbidden');
    }
    assert.equal((await w.store.people.listCouriers()).length, couriersBefore);
  });

  test('every state-changing route refuses a missing or wrong CSRF token with 403 and changes nothing', async () => {
    const residentsBefore = await w.store.people.countResidents();
    for (const route of changingRoutes) {
      for (const csrf of [null, 'wrong-token', staff.csrf]) {
        // The admin's session with another session's token: tokens are bound to their session.
        const reply = await call(app.url, route.method, concrete(route.path), {
          session: admin,
          csrf,
          body: { apartment: '9Z', firstName: 'Mallory', lastName: 'X' },
        });
        assert.equal(reply.status, 403, `${route.method} ${route.path} with ${csrf}`);
        assert.equal(reply.body.error.code, 'csrf_failed');
      }
    }
    assert.equal(await w.store.people.countResidents(), residentsBefore);
  });

  test('a request another site sends is refused even with the session’s cookie and token', async () => {
    const reply = await call(app.url, 'post', '/api/staff/residents', {
      session: staff,
      headers: { origin: 'http://evil.example' },
      body: { apartment: '9Z', firstName: 'Mallory', lastName: 'X' },
    });
    assert.equal(reply.status, 403);
    assert.equal(reply.body.error.code, 'cross_origin');
  });

  test('with the right session, role and token the same routes answer', async () => {
    assert.equal((await call(app.url, 'get', '/api/staff/flags', { session: staff })).status, 200);
    assert.equal((await call(app.url, 'get', '/api/rooms', { session: staff })).status, 200);
    assert.equal((await call(app.url, 'get', '/api/staff/accounts', { session: admin })).status, 200);
    const added = await call(app.url, 'post', '/api/staff/residents', {
      session: staff,
      body: { apartment: '7C', firstName: 'Carol', lastName: 'Nguyen' },
    });
    assert.equal(added.status, 201);
  });

  test('the session cookie is HttpOnly and SameSite=Strict and only its hash is stored', async () => {
    const reply = await call(app.url, 'post', '/staff/login', {
      body: { username: 'sam', password: 'sam-password-123' },
    });
    const setCookie = reply.headers.get('set-cookie')!;
    assert.match(setCookie, /HttpOnly/);
    assert.match(setCookie, /SameSite=Strict/);
    assert.match(setCookie, /Path=\//);
    const value = setCookie.split(';')[0]!.split('=')[1]!;
    const { rows } = await w.db.query<{ id_sha256: string }>('SELECT id_sha256 FROM staff_sessions');
    assert.ok(rows.length >= 3);
    assert.ok(rows.every((r) => r.id_sha256 !== value && /^[0-9a-f]{64}$/.test(r.id_sha256)));
    assert.equal(JSON.stringify(reply.body).includes(value), false, 'the id is not in the body');
  });

  test('after logout the session opens nothing', async () => {
    const session = await login(app.url, 'sam', 'sam-password-123');
    assert.equal((await call(app.url, 'post', '/staff/logout', { session })).status, 200);
    assert.equal((await call(app.url, 'get', '/api/staff/flags', { session })).status, 401);
  });

  test('a disabled account’s sessions end at once', async () => {
    const victim = await addStaff(w.store, 'temp', 'temp-password-12', 'staff');
    const session = await login(app.url, 'temp', 'temp-password-12');
    const reply = await call(app.url, 'patch', `/api/staff/accounts/${victim.id}`, {
      session: admin,
      body: { disabled: true },
    });
    assert.equal(reply.status, 200);
    assert.equal((await call(app.url, 'get', '/api/staff/flags', { session })).status, 401);
    const again = await call(app.url, 'post', '/staff/login', {
      body: { username: 'temp', password: 'temp-password-12' },
    });
    assert.equal(again.status, 401);
  });

  test('a resident’s photo link opens their photo and no one else’s', async () => {
    const expires = new Date(Date.now() + 3_600_000);
    const aliceLink = photoLinks.sign(alicePackage, expires);
    const own = await fetch(`${app.url}/p/${aliceLink}/photo`);
    assert.equal(own.status, 200);
    assert.deepEqual(Buffer.from(await own.arrayBuffer()), Buffer.from((await pictures(1)).cropJpeg));
    // Alice's signature with Bob's package id in the token.
    const [, expiry, signature] = aliceLink.split('.');
    const forged = `${bobPackage.replaceAll('-', '')}.${expiry}.${signature}`;
    const other = await call(app.url, 'get', `/p/${forged}/photo`);
    assert.equal(other.status, 404);
    assert.equal(other.headers.get('content-type')?.startsWith('image/'), false);
    // The staff image route is not a way around the link either.
    const { rows } = await w.db.query<{ photo_image_id: string }>(
      'SELECT photo_image_id FROM packages WHERE id = $1',
      [bobPackage],
    );
    const direct = await call(app.url, 'get', `/api/staff/images/${rows[0]!.photo_image_id}`, {
      headers: { cookie: `parcelroom_staff=${aliceLink.slice(0, 43)}` },
    });
    assert.equal(direct.status, 401);
    const staffView = await fetch(`${app.url}/api/staff/images/${rows[0]!.photo_image_id}`, {
      headers: { cookie: staff.cookie },
    });
    assert.equal(staffView.status, 200);
    assert.equal(staffView.headers.get('content-type'), 'image/jpeg');
  });

  test('API errors carry no stack, SQL or database detail', async () => {
    const replies = [
      // The database refuses a NUL byte: an internal error, answered generically.
      await call(app.url, 'get', `/api/staff/packages?unit=${encodeURIComponent('4\u0000B')}`, {
        session: staff,
      }),
      await call(app.url, 'post', '/staff/login', { body: { username: 'ada' } }),
      await call(app.url, 'get', '/api/staff/flags/not-a-uuid', { session: staff }),
      await call(app.url, 'post', `/api/staff/flags/${uuid(999)}/actions`, {
        session: staff,
        body: { action: 'confirm' },
      }),
      await call(app.url, 'post', '/api/staff/accounts', {
        session: admin,
        body: { username: 'ada', displayName: 'Dup', password: 'another-password', role: 'staff' },
      }),
      await fetch(`${app.url}/staff/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"x":',
      }).then(async (r) => ({ status: r.status, text: await r.text() })),
    ];
    assert.deepEqual(
      replies.map((r) => r.status),
      [500, 400, 400, 404, 409, 400],
    );
    for (const reply of replies) assertNoInternals(reply.text);
    assert.match(replies[0]!.text, /internal error; the incident is in the service log/);
    assert.match(replies[4]!.text, /user name ada is taken/);
  });

  test('pages and API answers carry the helmet security headers', async () => {
    for (const path of ['/staff', '/api/staff/flags', '/staff/assets/staff.js']) {
      const reply = await call(app.url, 'get', path, { session: staff });
      assert.equal(reply.status, 200, path);
      const csp = reply.headers.get('content-security-policy') ?? '';
      assert.match(csp, /default-src 'self'/, path);
      assert.match(csp, /script-src 'self'/, path);
      assert.equal(reply.headers.get('x-content-type-options'), 'nosniff', path);
      assert.equal(reply.headers.get('x-frame-options'), 'SAMEORIGIN', path);
      // Plain HTTP here: no HSTS (HTTPS gets it, tests/services/http-security-headers.test.ts).
      assert.equal(reply.headers.get('strict-transport-security'), null, path);
      assert.doesNotMatch(csp, /upgrade-insecure-requests/, path);
      assert.equal(reply.headers.get('referrer-policy'), 'no-referrer', path);
      assert.equal(reply.headers.get('cross-origin-opener-policy'), 'same-origin', path);
      assert.equal(reply.headers.get('x-powered-by'), null, path);
    }
    const page = await call(app.url, 'get', '/staff');
    assert.doesNotMatch(page.text, /https?:\/\//, 'the page loads nothing from other hosts');
  });

  test('the login lockout holds against the right password until its window passes', async () => {
    const attempt = (password: string) =>
      call(app.url, 'post', '/staff/login', { body: { username: 'locky', password } });
    for (let i = 0; i < 3; i++) {
      const wrong = await attempt(`guess-${i}`);
      assert.equal(wrong.status, 401);
      assert.deepEqual(wrong.body, {
        error: { code: 'login_failed', message: 'user name or password is wrong' },
      });
    }
    const locked = await attempt('locky-password-1');
    assert.equal(locked.status, 429);
    assert.equal(locked.body.error.code, 'login_locked');
    assert.ok(Number(locked.headers.get('retry-after')) >= 1);
    assert.equal((await attempt('locky-password-1')).status, 429, 'still locked');
    // Other accounts are not locked by it.
    assert.equal(
      (
        await call(app.url, 'post', '/staff/login', {
          body: { username: 'sam', password: 'sam-password-123' },
        })
      ).status,
      200,
    );
    const { rows } = await w.db.query<{ action: string; n: number }>(
      `SELECT action, count(*)::int AS n FROM audit_log WHERE action LIKE 'staff.login_%' AND details->>'ip' IS NOT NULL
       AND (target_id = 'locky' OR target_id IN (SELECT id::text FROM staff_users WHERE username = 'locky')) GROUP BY action ORDER BY action`,
    );
    assert.deepEqual(rows, [
      { action: 'staff.login_failed', n: 3 },
      { action: 'staff.login_refused', n: 2 },
    ]);
    await sleep(userLockoutMs + 200);
    assert.equal((await attempt('locky-password-1')).status, 200, 'the window has passed');
  });

  test('many wrong passwords from one address are refused whatever the user name', async () => {
    const sprayed = await startStaffApp(w.store, {
      auth: {
        loginLimits: {
          maxFailuresPerUser: 100,
          userLockoutMs: 60_000,
          maxFailuresPerIp: 4,
          ipWindowMs: 60_000,
        },
      },
    });
    try {
      const statuses: number[] = [];
      for (const username of ['u1', 'u2', 'u3', 'u4', 'ada']) {
        const password = username === 'ada' ? 'ada-password-123' : 'nope';
        statuses.push(
          (await call(sprayed.url, 'post', '/staff/login', { body: { username, password } })).status,
        );
      }
      assert.deepEqual(statuses, [401, 401, 401, 401, 429]);
    } finally {
      await sprayed.close();
    }
  });
});
