import { randomInt } from 'node:crypto';
import { type Request, type RequestHandler, type Response, Router } from 'express';
import type { Registry } from 'prom-client';
import type { Observable } from 'rxjs';
import { ApiError } from '../http/api-error.ts';
import type { Logger } from '../logging/index.ts';
import {
  candidatePackageIds,
  type StaffRole,
  type Store,
  StoreError,
  uniqueViolation,
} from '../store/index.ts';
import { FlagActionError, flagActionSchema, namedIds, planFlagAction } from './flag-actions.ts';
import { FlagFeed } from './flag-feed.ts';
import {
  type AccountListAnswer,
  type CourierListAnswer,
  type CourierPinAnswer,
  type FlagActionAnswer,
  type FlagDetailAnswer,
  type FlagListAnswer,
  flagView,
  type PackageSearchAnswer,
  packageView,
  type ResidentListAnswer,
  type RoomAnswer,
} from './staff-answers.ts';
import { createStaffAuth, hashSecret, principalOf, type StaffAuthOptions } from './staff-auth.ts';
import { createStaffMetrics } from './staff-metrics.ts';
import { staffPageRoutes } from './staff-page-routes.ts';
import {
  courierChangesBody,
  courierParams,
  courierPinBody,
  dateRange,
  flagParams,
  flagQuery,
  imageParams,
  newCourierBody,
  newResidentBody,
  newStaffUserBody,
  packageParams,
  packageSearchQuery,
  residentChangesBody,
  residentParams,
  residentQuery,
  roomQuery,
  staffUserChangesBody,
  staffUserParams,
} from './staff-schemas.ts';

export type StaffRouteMethod = 'get' | 'post' | 'patch';

export interface StaffRoute {
  method: StaffRouteMethod;
  path: string;
  /** The least role that may call it; admins may call everything. */
  role: StaffRole;
  summary: string;
}

/**
 * Every route that needs a signed-in staff member, in the order they are registered. The
 * security tests walk this table, so a route added here is checked for 401/403/CSRF at once.
 */
export const staffRouteTable = [
  { method: 'post', path: '/staff/logout', role: 'staff', summary: 'end this session' },
  { method: 'get', path: '/staff/session', role: 'staff', summary: 'who is signed in, and the CSRF token' },
  { method: 'get', path: '/api/staff/flags', role: 'staff', summary: 'the flag queue with evidence' },
  {
    method: 'get',
    path: '/api/staff/flags/stream',
    role: 'staff',
    summary: 'server-sent events when flags change',
  },
  {
    method: 'get',
    path: '/api/staff/flags/:flagId',
    role: 'staff',
    summary: 'one flag: evidence, timeline, candidates',
  },
  {
    method: 'post',
    path: '/api/staff/flags/:flagId/actions',
    role: 'staff',
    summary: 'resolve or dismiss a flag',
  },
  {
    method: 'get',
    path: '/api/staff/images/:imageId',
    role: 'staff',
    summary: 'an evidence or package picture',
  },
  { method: 'get', path: '/api/staff/packages', role: 'staff', summary: 'search packages' },
  {
    method: 'get',
    path: '/api/staff/packages/:packageId',
    role: 'staff',
    summary: 'one package and its history',
  },
  { method: 'get', path: '/api/staff/residents', role: 'staff', summary: 'list or search residents' },
  { method: 'post', path: '/api/staff/residents', role: 'staff', summary: 'add a resident' },
  {
    method: 'patch',
    path: '/api/staff/residents/:residentId',
    role: 'staff',
    summary: 'change or deactivate a resident',
  },
  {
    method: 'get',
    path: '/api/staff/room',
    role: 'staff',
    summary: 'slots, cameras and controller at a glance',
  },
  { method: 'get', path: '/api/staff/couriers', role: 'admin', summary: 'list couriers' },
  { method: 'post', path: '/api/staff/couriers', role: 'admin', summary: 'add a courier with a PIN' },
  {
    method: 'patch',
    path: '/api/staff/couriers/:courierId',
    role: 'admin',
    summary: 'change or deactivate a courier',
  },
  {
    method: 'post',
    path: '/api/staff/couriers/:courierId/pin',
    role: 'admin',
    summary: 'set or draw a new courier PIN',
  },
  { method: 'get', path: '/api/staff/accounts', role: 'admin', summary: 'list staff accounts' },
  { method: 'post', path: '/api/staff/accounts', role: 'admin', summary: 'add a staff account' },
  {
    method: 'patch',
    path: '/api/staff/accounts/:staffUserId',
    role: 'admin',
    summary: 'change, disable or reset a staff account',
  },
] as const satisfies readonly StaffRoute[];

/** The read-only room API of services/http, which sits behind the same staff sign-in. */
export const guardedApiRoutes = [
  { method: 'get', path: '/api/rooms', role: 'staff', summary: 'rooms' },
  { method: 'get', path: '/api/rooms/:roomId', role: 'staff', summary: 'one room' },
  { method: 'get', path: '/api/rooms/:roomId/slots', role: 'staff', summary: 'a room’s slots' },
  { method: 'get', path: '/api/packages', role: 'staff', summary: 'packages' },
  { method: 'get', path: '/api/packages/:packageId', role: 'staff', summary: 'one package' },
] as const satisfies readonly StaffRoute[];

type TableRoute = (typeof staffRouteTable)[number];
type RouteKey = TableRoute extends infer R
  ? R extends { method: infer M extends string; path: infer P extends string }
    ? `${M} ${P}`
    : never
  : never;
type Handler = (req: Request, res: Response) => Promise<void> | void;

/** What the staff review needs of the running room ledger (services/ledger-service). */
export interface StaffLedger {
  reload(): Promise<void>;
  flags$?: Observable<unknown>;
}

export interface StaffReviewDependencies {
  store: Store;
  logger?: Logger | undefined;
  auth?: Partial<StaffAuthOptions> | undefined;
  /** The running ledger service, when this process runs one: told to re-read after staff actions. */
  ledger?: StaffLedger | undefined;
  /** The locator link, when one is configured. */
  controller?: { readonly linkState: string; readonly lastState?: unknown } | undefined;
  /** Live camera health from the room pipeline, when it runs in this process. */
  cameraHealth?: (() => Record<string, unknown> | undefined) | undefined;
  /** Where the staff metrics go (the service's registry). */
  registry?: Registry | undefined;
  /** How often the live feed re-reads the flags table while a page listens. */
  feedPollMs?: number | undefined;
  /**
   * The kiosk's keyed lookups of courier PINs and RFID tags (services/kiosk `courierLookups`):
   * with them a new or reset PIN that another courier has is refused, and a new tag is stored
   * hashed. Without them the kiosk fills them in at the courier's first login.
   */
  courierLookups?:
    | { pin(pin: string): string; rfid(tag: string): string; rfidHint(tag: string): string }
    | undefined;
}

export interface StaffReview {
  /** The page, sign-in and `/api/staff/…`; mount at the root. */
  router: Router;
  /** Put in front of any other `/api` router: refuses anyone not signed in. */
  apiGuard: RequestHandler[];
  feed: FlagFeed;
  /** Resolves once the staff page's script is compiled; rejects with a PageBuildError. */
  pageReady: Promise<void>;
  /**
   * Hands over the running ledger when it starts after the HTTP app: staff actions then make it
   * re-read the store, and its new flags reach the pages at once.
   */
  connectLedger(ledger: StaffLedger): void;
  /** Ends the live streams (so the HTTP server can close) and stops the feed. */
  close(): void;
}

function storeConflict(error: unknown): never {
  if (error instanceof StoreError) throw new ApiError(409, 'conflict', error.message);
  throw error;
}

/** The staff review: sign-in, the flag queue and its actions, search, people, the room overview. */
export function createStaffReview(deps: StaffReviewDependencies): StaffReview {
  const { store, logger } = deps;
  let ledger = deps.ledger;
  const metrics = deps.registry ? createStaffMetrics(deps.registry) : undefined;
  const auth = createStaffAuth(store, deps.auth, metrics);
  const feed = new FlagFeed({
    review: store.review,
    pollMs: deps.feedPollMs,
    flags$: deps.ledger?.flags$,
    logger,
  });
  const streams = new Set<Response>();
  const page = staffPageRoutes({ logger });

  const audit = (res: Response, action: string, targetKind: string, targetId: string, details = {}) => ({
    actorKind: 'staff' as const,
    actorId: principalOf(res).user.id,
    action,
    targetKind,
    targetId,
    details,
  });

  const defaultRoom = async (given: string | undefined): Promise<string> => {
    if (given) return given;
    const rooms = await store.rooms.list();
    if (!rooms[0]) throw new ApiError(404, 'not_found', 'no room is set up yet');
    return rooms[0].id;
  };

  const handlers: Record<RouteKey, Handler> = {
    'post /staff/logout': auth.logout,
    'get /staff/session': auth.session,

    'get /api/staff/flags': async (req, res) => {
      const query = flagQuery.parse(req.query);
      const flags = await store.review.listFlags({
        roomId: query.roomId,
        status: query.status === 'all' ? undefined : query.status,
        kind: query.kind,
        limit: query.limit,
      });
      const version = await store.review.flagsVersion();
      res.json({ flags: flags.map(flagView), ...version } satisfies FlagListAnswer);
    },

    'get /api/staff/flags/stream': async (req, res) => {
      res.status(200).set({
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        'x-accel-buffering': 'no',
      });
      res.flushHeaders();
      let sent = false;
      const send = (version: unknown) => {
        sent = true;
        res.write(`event: flags\ndata: ${JSON.stringify(version)}\n\n`);
      };
      res.write('retry: 2000\n\n');
      const stop = feed.subscribe(send);
      metrics?.liveStreams.inc();
      streams.add(res);
      // A comment line now and then keeps proxies from closing a quiet stream.
      const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
      keepAlive.unref();
      req.on('close', () => {
        stop();
        clearInterval(keepAlive);
        streams.delete(res);
      });
      await feed.nudge();
      // The feed tells only of changes; a page that just connected needs the present too.
      if (!sent && feed.current) send(feed.current);
    },

    'get /api/staff/flags/:flagId': async (req, res) => {
      const { flagId } = flagParams.parse(req.params);
      const flag = await store.review.getFlag(flagId);
      if (!flag) throw new ApiError(404, 'not_found', `flag ${flagId} does not exist`);
      const named = [flag.packageId, ...candidatePackageIds(flag)].filter(
        (id): id is string => typeof id === 'string',
      );
      const mayBeWaiting = [
        'unregistered_object',
        'ambiguous_slot',
        'state_mismatch',
        'never_placed',
        'several_moved',
      ];
      const waiting = mayBeWaiting.includes(flag.kind)
        ? await store.review.awaitingPackages(flag.roomId)
        : [];
      const packages = await store.review.packagesById([...new Set([...named, ...waiting.map((p) => p.id)])]);
      const timeline = await store.review.timeline(flag, named);
      const overview = await store.review.overview(flag.roomId);
      const details = flag.evidence.details;
      const slotIds = new Set<string>();
      const addSlots = (v: unknown) => {
        for (const s of Array.isArray(v) ? v : [v]) if (typeof s === 'string') slotIds.add(s);
      };
      addSlots(flag.slotId);
      addSlots(details.slots);
      addSlots(details.expectedSlotIds);
      for (const o of flag.evidence.observations) {
        addSlots(o.slotId);
        addSlots(o.slots);
      }
      res.json({
        flag: flagView(flag),
        timeline,
        candidates: {
          slots: overview.slots
            .filter((s) => slotIds.has(s.id))
            .map((s) => ({ id: s.id, packages: s.packages, objects: s.objects })),
          packages: packages.map(packageView),
          freeSlotIds: overview.slots
            .filter((s) => s.packages.length === 0 && s.objects.length === 0)
            .map((s) => s.id),
        },
      } satisfies FlagDetailAnswer);
    },

    'post /api/staff/flags/:flagId/actions': async (req, res) => {
      const { flagId } = flagParams.parse(req.params);
      const action = flagActionSchema.parse(req.body);
      const { user } = principalOf(res);
      const stopTimer = metrics?.flagActionSeconds.startTimer();
      let resolved: Awaited<ReturnType<typeof store.review.resolveFlag>>;
      try {
        resolved = await store.review.resolveFlag(
          { flagId, staffUserId: user.id, ...namedIds(action) },
          (context) => planFlagAction(context, action),
        );
      } catch (error) {
        metrics?.flagActions.inc({ action: action.action, outcome: 'refused' });
        if (error instanceof FlagActionError) {
          const conflict = ['flag_closed', 'package_not_movable', 'same_slot', 'not_an_object'].includes(
            error.code,
          );
          throw new ApiError(conflict ? 409 : 422, error.code, error.message);
        }
        storeConflict(error);
      }
      void feed.nudge();
      let ledgerReloaded = false;
      if (ledger) {
        try {
          await ledger.reload();
          ledgerReloaded = true;
        } catch (error) {
          // The action is committed; the ledger re-reads the store at its next conflict or restart.
          logger?.error({ err: error, flagId }, 'ledger reload after a staff action failed');
        }
      }
      stopTimer?.();
      metrics?.flagActions.inc({ action: action.action, outcome: 'done' });
      res.json({
        flag: flagView(resolved.flag),
        alsoResolved: resolved.alsoResolved.map(flagView),
        eventIds: resolved.eventIds,
        ledgerReloaded,
      } satisfies FlagActionAnswer);
    },

    'get /api/staff/images/:imageId': async (req, res) => {
      const { imageId } = imageParams.parse(req.params);
      const image = await store.review.image(imageId);
      if (!image) throw new ApiError(404, 'not_found', `image ${imageId} does not exist`);
      // Pictures of people's parcels: kept by no shared cache.
      res.set({ 'content-type': image.contentType, 'cache-control': 'private, max-age=3600' });
      res.send(image.bytes);
    },

    'get /api/staff/packages': async (req, res) => {
      const query = packageSearchQuery.parse(req.query);
      const range = dateRange(query);
      const packages = await store.review.searchPackages({
        roomId: query.roomId,
        name: query.name,
        unit: query.unit,
        trackingNumber: query.trackingNumber,
        carrier: query.carrier,
        state: query.state,
        registeredFrom: range.from,
        registeredTo: range.to,
        limit: query.limit,
        before: query.before,
      });
      const last = packages.at(-1);
      res.json({
        packages: packages.map(packageView),
        next: packages.length === query.limit && last ? { before: last.id } : null,
      } satisfies PackageSearchAnswer);
    },

    'get /api/staff/packages/:packageId': async (req, res) => {
      const { packageId } = packageParams.parse(req.params);
      const [pkg] = await store.review.packagesById([packageId]);
      if (!pkg) throw new ApiError(404, 'not_found', `package ${packageId} does not exist`);
      res.json({ package: packageView(pkg), events: await store.review.packageEvents(packageId) });
    },

    'get /api/staff/residents': async (req, res) => {
      const query = residentQuery.parse(req.query);
      res.json({
        residents: await store.staff.searchResidents({
          text: query.q,
          activeOnly: query.activeOnly === 'true',
          limit: query.limit,
        }),
      } satisfies ResidentListAnswer);
    },

    'post /api/staff/residents': async (req, res) => {
      const body = newResidentBody.parse(req.body);
      const resident = await store.db.transaction(async (tx) => {
        const added = await store.people.addResident(body, tx);
        await store.events.audit(
          audit(res, 'resident.added', 'resident', added.id, { apartment: added.apartment }),
          tx,
        );
        return added;
      });
      res.status(201).json({ resident });
    },

    'patch /api/staff/residents/:residentId': async (req, res) => {
      const { residentId } = residentParams.parse(req.params);
      const changes = residentChangesBody.parse(req.body);
      const resident = await store.db.transaction(async (tx) => {
        const updated = await store.staff.updateResident(residentId, changes, tx);
        await store.events.audit(
          audit(res, 'resident.changed', 'resident', residentId, { fields: Object.keys(changes) }),
          tx,
        );
        return updated;
      });
      res.json({ resident });
    },

    'get /api/staff/room': async (req, res) => {
      const query = roomQuery.parse(req.query);
      const roomId = await defaultRoom(query.roomId);
      const overview = await store.review.overview(roomId);
      const live = deps.cameraHealth?.();
      res.json({
        roomId,
        ...overview,
        cameras: overview.cameras.map((c) => ({
          ...c,
          status: c.offlineSince ? 'offline' : 'online',
          live: live?.[c.id] ?? null,
        })),
        cameraHealthSource: live ? 'pipeline' : 'ledger',
        controller: deps.controller
          ? { linkState: deps.controller.linkState, lastState: deps.controller.lastState ?? null }
          : { linkState: 'not_configured', lastState: null },
      } satisfies RoomAnswer);
    },

    'get /api/staff/couriers': async (_req, res) => {
      res.json({ couriers: await store.people.listCouriers() } satisfies CourierListAnswer);
    },

    'post /api/staff/couriers': async (req, res) => {
      const body = newCourierBody.parse(req.body);
      const pinHash = await hashSecret(body.pin);
      const keys = deps.courierLookups;
      const tag = body.rfidTag ?? null;
      const courier = await store.db
        .transaction(async (tx) => {
          const added = await store.people.addCourier(
            {
              name: body.name,
              company: body.company,
              pinHash,
              rfidTag: tag,
              ...(keys ? { pinLookup: keys.pin(body.pin) } : {}),
              ...(keys && tag ? { rfidLookup: keys.rfid(tag), rfidHint: keys.rfidHint(tag) } : {}),
            },
            tx,
          );
          await store.events.audit(
            audit(res, 'courier.added', 'courier', added.id, { company: added.company }),
            tx,
          );
          return added;
        })
        .catch((error) =>
          storeConflict(
            uniqueViolation(error, 'couriers_rfid_tag_key', 'this RFID tag belongs to another courier'),
          ),
        );
      res.status(201).json({ courier });
    },

    'patch /api/staff/couriers/:courierId': async (req, res) => {
      const { courierId } = courierParams.parse(req.params);
      const changes = courierChangesBody.parse(req.body);
      const courier = await store.db
        .transaction(async (tx) => {
          const updated = await store.staff.updateCourier(courierId, changes, tx);
          await store.events.audit(
            audit(res, 'courier.changed', 'courier', courierId, { fields: Object.keys(changes) }),
            tx,
          );
          return updated;
        })
        .catch(storeConflict);
      res.json({ courier });
    },

    'post /api/staff/couriers/:courierId/pin': async (req, res) => {
      const { courierId } = courierParams.parse(req.params);
      const body = courierPinBody.parse(req.body ?? {});
      const pin = body.pin ?? String(randomInt(0, 1_000_000)).padStart(6, '0');
      const pinHash = await hashSecret(pin);
      const courier = await store.db
        .transaction(async (tx) => {
          const pinLookup = deps.courierLookups?.pin(pin);
          const updated = await store.staff.updateCourier(
            courierId,
            { pinHash, ...(pinLookup ? { pinLookup } : {}) },
            tx,
          );
          await store.events.audit(
            audit(res, 'courier.pin_reset', 'courier', courierId, { drawn: body.pin === undefined }),
            tx,
          );
          return updated;
        })
        .catch(storeConflict);
      // A drawn PIN is shown this once; only its hash is kept.
      res.json({ courier, ...(body.pin === undefined ? { pin } : {}) } satisfies CourierPinAnswer);
    },

    'get /api/staff/accounts': async (_req, res) => {
      res.json({ accounts: await store.staff.listStaffUsers() } satisfies AccountListAnswer);
    },

    'post /api/staff/accounts': async (req, res) => {
      const body = newStaffUserBody.parse(req.body);
      const passwordHash = await hashSecret(body.password);
      const account = await store.db
        .transaction(async (tx) => {
          const added = await store.people.addStaffUser(
            { username: body.username, displayName: body.displayName, passwordHash, role: body.role },
            tx,
          );
          await store.events.audit(
            audit(res, 'staff.account_created', 'staff_user', added.id, {
              username: added.username,
              role: added.role,
            }),
            tx,
          );
          return added;
        })
        .catch((error) =>
          storeConflict(
            uniqueViolation(error, 'staff_users_username_key', `user name ${body.username} is taken`),
          ),
        );
      res.status(201).json({ account });
    },

    'patch /api/staff/accounts/:staffUserId': async (req, res) => {
      const { staffUserId } = staffUserParams.parse(req.params);
      const changes = staffUserChangesBody.parse(req.body);
      const passwordHash = changes.password ? await hashSecret(changes.password) : undefined;
      const account = await store.db.transaction(async (tx) => {
        const current = await store.staff.getStaffUser(staffUserId, tx);
        if (!current) throw new ApiError(404, 'not_found', `staff account ${staffUserId} does not exist`);
        const losesAdmin =
          current.role === 'admin' && (changes.role === 'staff' || changes.disabled === true);
        if (losesAdmin && (await store.staff.countOtherAdmins(staffUserId, tx)) === 0)
          throw new ApiError(409, 'last_admin', 'this is the last administrator; make another one first');
        const updated = await store.staff.updateStaffUser(
          staffUserId,
          { displayName: changes.displayName, role: changes.role, disabled: changes.disabled, passwordHash },
          tx,
        );
        // A new password or a disabled account ends every session it had.
        const endedSessions =
          changes.disabled === true || passwordHash ? await store.staff.deleteSessionsOf(staffUserId, tx) : 0;
        await store.events.audit(
          audit(res, 'staff.account_changed', 'staff_user', staffUserId, {
            fields: Object.keys(changes),
            endedSessions,
          }),
          tx,
        );
        return updated;
      });
      res.json({ account });
    },
  };

  const guard = (role: StaffRole): RequestHandler[] => [
    auth.sameOrigin,
    (_req, res, next) => {
      principalOf(res);
      next();
    },
    auth.requireRole(role),
    auth.requireCsrf,
  ];

  const router = Router();
  router.use(['/staff', '/api'], auth.authenticate);
  router.post('/staff/login', auth.sameOrigin, auth.login);
  router.use(page.router);
  for (const route of staffRouteTable) {
    router[route.method](
      route.path,
      ...guard(route.role),
      handlers[`${route.method} ${route.path}` as RouteKey],
    );
  }

  return {
    router,
    apiGuard: guard('staff'),
    feed,
    pageReady: page.ready,
    connectLedger(running) {
      ledger = running;
      if (running.flags$) feed.watch(running.flags$);
    },
    close() {
      for (const res of streams) res.end();
      streams.clear();
      feed.close();
    },
  };
}
