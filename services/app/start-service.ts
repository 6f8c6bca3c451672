import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Router } from 'express';
import { loadLayoutFile } from '../../calibration/index.ts';
import { type LocatorClient, startServiceLocator } from '../../hw-controller/index.ts';
import { createLabelOcrEngines, createPackageDetector, type LabelOcrEngines } from '../../models/index.ts';
import {
  createPipelineMetrics,
  createRoomPipeline,
  type RoomPipeline,
  simulatorSource,
} from '../../pipelines/index.ts';
import {
  liveScenarioName,
  openSimulatedRoom,
  type SimulatorServer,
  startSimulatorServer,
} from '../../simulator/index.ts';
import type { ServiceConfig } from '../config/index.ts';
import { redactConfig } from '../config/index.ts';
import { createApp } from '../http/index.ts';
import {
  courierLookups,
  createKioskPhotoUrls,
  createPickupCredentials,
  KioskServer,
  kioskRoutes,
  kioskSecrets,
  serviceSecret,
} from '../kiosk/index.ts';
import { kioskPageRoutes } from '../kiosk-page/index.ts';
import { createLedgerMetrics, RoomLedgerService } from '../ledger-service/index.ts';
import { createLogger, type Logger, prettyLogsFor } from '../logging/index.ts';
import { createServiceMetrics } from '../metrics/index.ts';
import { createNotificationService, type NotificationService } from '../notifications/index.ts';
import { RoomHardware } from '../room-hardware/index.ts';
import { type FirstStartSecrets, formatFirstStartSecrets, seedDemoData } from '../seed/index.ts';
import { createStaffReview, type StaffReview } from '../staff/index.ts';
import {
  createLedgerRepository,
  createStore,
  migrateToLatest,
  openDatabase,
  type Store,
} from '../store/index.ts';
import { roomRecordFromLayout } from './room-record.ts';
import { formatStartSummary } from './start-summary.ts';

export interface RunningService {
  url: string;
  port: number;
  store: Store;
  logger: Logger;
  /** The simulated cameras' server, when the simulator is enabled (the demo). */
  simulatorUrl?: string;
  /** The locator (laser, strobes, door) through the hw-controller daemon, when one is configured or the demo runs. */
  locator?: LocatorClient;
  /** The room ledger: the pipeline's observations and the kiosks' commands, committed. */
  ledger?: RoomLedgerService;
  /** The kiosk WebSocket server at `/kiosk/ws` (docs/kiosk-protocol.md). */
  kiosk?: KioskServer;
  /** Stops taking requests, lets those in flight finish, closes the database. Idempotent. */
  stop(): Promise<void>;
}

export interface StartOptions {
  logger?: Logger;
  /**
   * Where the summary at the end of start-up (the first start's credentials, the addresses to
   * open) is written; the terminal (stderr) by default.
   */
  printSecrets?: (text: string) => void;
}

/** The composition root: config in, a running service out. */
export async function startService(
  config: ServiceConfig,
  options: StartOptions = {},
): Promise<RunningService> {
  const logger =
    options.logger ?? createLogger({ level: config.log.level, pretty: prettyLogsFor(config.log.pretty) });
  const metrics = createServiceMetrics();
  logger.info({ config: redactConfig(config) }, 'starting');

  // The layout is checked before the database opens: a broken file should cost nothing.
  const layout = await loadLayoutFile(config.room.layoutFile);
  const room = roomRecordFromLayout(layout);

  const db = await openDatabase(
    config.database,
    (seconds, ok) => metrics.dbQueryDuration.observe({ outcome: ok ? 'ok' : 'error' }, seconds),
    { onRefused: (reason) => logger.warn({ reason }, 'embedded database refused a connection') },
  );
  const print = options.printSecrets ?? ((text: string) => process.stderr.write(`${text}\n`));
  // Held until the room runs, to be printed below the start-up logs; a start that fails after the
  // seeding still prints them, since only their hashes are stored and they could not be shown again.
  let firstStartSecrets: FirstStartSecrets | undefined;
  let server: Server | undefined;
  let notifications: NotificationService | undefined;
  let staffReview: StaffReview | undefined;
  // The locator starts after the HTTP server; the staff overview asks it lazily.
  let locatorClient: LocatorClient | undefined;
  // Likewise the room pipeline, whose camera health the staff overview shows.
  let pipelineHealth: (() => Record<string, unknown>) | undefined;
  // What the room runs on (ledger, kiosk, OCR, locator, simulator), stopped in reverse on a failed start.
  const started: Array<() => Promise<unknown>> = [];
  // Outages are logged once each way; every part that needs the database reacts on its own.
  let wasAway = false;
  const availabilityLog = db.availability.changes$.subscribe((state) => {
    metrics.databaseUp.set(state.available ? 1 : 0);
    if (!state.available) logger.error({ reason: state.reason }, 'database unavailable');
    else if (wasAway) logger.info('database available again');
    wasAway = !state.available;
  });
  try {
    logger.info({ database: db.kind, location: db.location }, 'database open');
    const migrations = await migrateToLatest(db, logger);
    metrics.migrationsApplied.set(migrations.total);
    logger.info({ applied: migrations.applied, total: migrations.total }, 'schema up to date');

    const store = createStore(db);
    const sync = await store.rooms.sync(room);
    logger.info(
      { room: room.id, outcome: sync, slots: room.slots.length, cameras: room.cameras.length },
      'room layout loaded',
    );

    // Pickup PINs and QR tokens are minted with the placement that announces them (docs/kiosk-protocol.md).
    const kioskKeys = await kioskSecrets(db, config.kiosk);
    const pickupCredentials = createPickupCredentials(db, {
      secret: kioskKeys.secret,
      tokenLifetimeMs: config.kiosk.pickupTokenDays * 24 * 3600_000,
    });
    // The demo couriers are enrolled with the kiosk's keyed PIN and RFID lookups (docs/kiosk-credentials.md).
    const seeded = await seedDemoData(store, {
      demoPeople: config.demo.seed,
      keyedHash: pickupCredentials.keyedHash,
    });
    if (seeded.residentsAdded || seeded.couriersAdded) {
      logger.info({ residents: seeded.residentsAdded, couriers: seeded.couriersAdded }, 'demo people seeded');
    }
    if (seeded.secrets) {
      firstStartSecrets = seeded.secrets;
      logger.info(
        { username: seeded.secrets.staffUsername },
        'initial staff account created; its password is printed once to the terminal when the room runs',
      );
    }
    await store.events.append({
      roomId: room.id,
      type: 'service.started',
      payload: { database: db.kind, layoutSync: sync },
    });

    const kioskPhotoUrls = createKioskPhotoUrls(kioskKeys.secret);

    // Unset, the photo links' key is made once and kept in the database: residents' links outlive a restart.
    const linkSecret = config.notifications.linkSecret ?? (await serviceSecret(db, 'photo-links'));
    // Built even when the worker is off, so photo links from messages already sent keep working.
    notifications = createNotificationService({
      db,
      settings: { ...config.notifications, linkSecret },
      logger,
      registry: metrics.registry,
    });
    if (config.notifications.enabled) {
      notifications.start();
      logger.info(notifications.describeDelivery(), 'notifications sending');
    }

    staffReview = createStaffReview({
      store,
      logger,
      courierLookups: courierLookups(pickupCredentials.keyedHash),
      registry: metrics.registry,
      cameraHealth: () => pipelineHealth?.(),
      // Behind HTTPS the session cookie must never travel in clear.
      auth: { secureCookie: config.notifications.publicBaseUrl.startsWith('https:') },
      controller: {
        get linkState() {
          return locatorClient?.linkState ?? 'not_configured';
        },
        get lastState() {
          return locatorClient?.lastState;
        },
      },
    });
    // The control panel lives on the simulator's server, which starts after this one.
    let demoPanelUrl: string | undefined;
    const kioskPage = kioskPageRoutes({ logger, demoPanelUrl: () => demoPanelUrl });
    const app = createApp({
      store,
      metrics,
      logger,
      bodyLimitKb: config.http.bodyLimitKb,
      trustProxy: config.http.trustProxy,
      photoLinks: notifications.photoLinks,
      kioskPage: Router().use(
        kioskRoutes({ db, devices: kioskKeys.devices, photoUrls: kioskPhotoUrls }),
        kioskPage.router,
      ),
      staffReview,
      readinessDetails: () => ({
        hwController: locatorClient?.linkState ?? 'not_configured',
        ...(pipelineHealth
          ? {
              cameras: Object.fromEntries(
                Object.entries(pipelineHealth()).map(([id, health]) => [
                  id,
                  (health as { state: string }).state,
                ]),
              ),
            }
          : {}),
      }),
    });
    server = createServer(app);
    // Slow or stalled clients must not hold sockets forever.
    server.headersTimeout = 15_000;
    server.requestTimeout = 30_000;
    // An idle keep-alive socket closed by the server just as a client reuses it is a reset the
    // client sees; a client's own idle timer (4 s in Node's fetch, slower on a loaded machine)
    // must run out long before ours does.
    server.keepAliveTimeout = 65_000;
    await new Promise<void>((resolve, reject) => {
      server!.once('error', reject);
      server!.listen(config.http.port, config.http.host, () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    const shownHost = config.http.host === '0.0.0.0' ? '127.0.0.1' : config.http.host;
    const url = `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${port}`;
    logger.info({ url, port }, 'http listening');

    // The demo room's cameras: rendered only while someone watches a stream.
    let simulator: SimulatorServer | undefined;
    let simulatedRoom: Awaited<ReturnType<typeof openSimulatedRoom>> | undefined;
    if (config.simulator.enabled) {
      simulatedRoom = await openSimulatedRoom({
        layout,
        scenario: config.simulator.scenario,
        loop: true,
      });
      // The simulated room keeps nothing across restarts; a live demo room is set up as the
      // database records its shelves, so that the start-up check finds them where they were.
      if (config.simulator.scenario === liveScenarioName) {
        const { rows } = await db.query<{ id: string; slot_id: string; registered: boolean }>(
          `SELECT id::text, slot_id, true AS registered FROM packages WHERE room_id = $1 AND state = 'placed'
           UNION ALL
           SELECT id::text, slot_id, false FROM room_objects WHERE room_id = $1 AND vanished_at IS NULL`,
          [room.id],
        );
        for (const row of rows) {
          try {
            simulatedRoom.place(row.slot_id, 0, {
              packageId: row.id,
              registered: row.registered,
              alreadyThere: true,
            });
          } catch {
            // Two recorded on one slot: the simulator shows one; the check flags the other.
          }
        }
        if (rows.length)
          logger.info({ packages: rows.length }, 'simulated shelves set up as the database records them');
      }
      simulator = await startSimulatorServer({
        room: simulatedRoom,
        fps: config.simulator.fps,
        host: config.simulator.host,
        port: config.simulator.port,
        panelLinks: () => ({ Kiosk: `${url}/kiosk`, 'Staff review': `${url}/staff` }),
      });
      started.push(() => simulator!.close());
      demoPanelUrl = `${simulator.url}/demo`;
      logger.info(
        {
          url: simulator.url,
          scenario: config.simulator.scenario,
          streams: simulatedRoom!.cameraIds.map((id) => `${simulator!.url}/cameras/${id}/stream.mjpeg`),
        },
        'simulated cameras streaming',
      );
    }
    const locator = await startServiceLocator({
      endpoint: config.hwController.endpoint,
      simulatorUrl: simulator?.url,
      layoutFile: config.room.layoutFile,
      heartbeatMs: config.hwController.heartbeatMs,
      logger,
      registry: metrics.registry,
    });
    locatorClient = locator?.client;
    if (locator) started.push(() => locator.stop());

    // The room pipeline watches the simulated cameras in this process (real cameras are not wired yet).
    let pipeline: RoomPipeline | undefined;
    if (config.pipeline.enabled && simulatedRoom) {
      const cameraRoom = simulatedRoom;
      pipeline = createRoomPipeline({
        layout,
        detector: await createPackageDetector(
          config.pipeline.detectorModel ? { modelPath: config.pipeline.detectorModel } : {},
        ),
        sources: cameraRoom.cameraIds.map((id) => simulatorSource(cameraRoom, id, config.simulator.fps)),
        metrics: createPipelineMetrics(metrics.registry),
        logger: logger.child({ component: 'pipeline' }),
      });
      const running = pipeline;
      pipelineHealth = () => Object.fromEntries(running.health().cameras.map((c) => [c.cameraId, c]));
    }
    const watching = pipeline;
    const ledger = await RoomLedgerService.start({
      roomId: room.id,
      repository: createLedgerRepository(db, { pickupCredentials }),
      availability: db.availability,
      ...(watching
        ? {
            observations$: watching.observations$,
            // After an outage that overflowed the held observations: what the cameras see now.
            recheck: () => watching.stock(config.pipeline.stockTimeoutMs).then((stock) => stock.counts),
          }
        : {}),
      logger: logger.child({ component: 'ledger' }),
      metrics: createLedgerMetrics(metrics.registry),
    });
    started.push(() => ledger.stop());
    // The laser follows the ledger's committed decisions whether or not a kiosk server runs.
    const hardware = new RoomHardware({
      ledger,
      layout,
      locator: locator?.client,
      logger,
      registry: metrics.registry,
    });
    started.push(async () => hardware.stop());
    // What the ledger rebuilt from the database is checked against the cameras' first look:
    // a package taken or left while the service was down becomes a state_mismatch flag.
    if (pipeline) {
      void pipeline
        .stock(config.pipeline.stockTimeoutMs)
        .then(async ({ counts, cameraIds }) => {
          if (cameraIds.length === 0) {
            logger.warn('no camera took stock of the shelves: the room state is not checked after the start');
            return;
          }
          const step = await ledger.reconcile(counts);
          const flags = step.decisions.filter((d) => d.type === 'flag_raised').length;
          logger.info(
            { cameras: cameraIds, slots: Object.keys(counts).length, flags },
            'room state checked against the cameras',
          );
        })
        .catch((error: Error) => logger.error({ error: error.message }, 'room state check failed'));
    }
    // Staff actions change rows under the ledger: it re-reads them after each one.
    staffReview.connectLedger(ledger);
    // The OCR engines warm up in the background: the first label waits for them, the start does not.
    const ocrEngines = createLabelOcrEngines(config.labels.ocrEngine, config.labels.ocrLineEngine, {
      workers: config.labels.ocrWorkers,
    });
    ocrEngines.catch((error: Error) => logger.error({ error: error.message }, 'label OCR did not start'));
    const closeOcr = () => ocrEngines.then((e: LabelOcrEngines) => e.close()).catch(() => undefined);
    started.push(closeOcr);
    const kiosk = new KioskServer({
      server,
      roomId: room.id,
      layout,
      db,
      ledger,
      devices: kioskKeys.devices,
      credentials: pickupCredentials,
      photoUrls: kioskPhotoUrls,
      ocrEngines,
      building: {
        street: config.labels.buildingStreet,
        city: config.labels.buildingCity,
        state: config.labels.buildingState,
        zip: config.labels.buildingZip,
      },
      hardware,
      doorUnlockMs: config.kiosk.doorUnlockMs,
      logger,
      registry: metrics.registry,
    });
    started.push(() => kiosk.close());
    logger.info(
      {
        kiosk: `${url}/kiosk`,
        socket: `${url.replace(/^http/, 'ws')}/kiosk/ws`,
        devices: kioskKeys.devices.devices.map((d) => d.id),
        demoDevice: kioskKeys.devices.demo,
        pipeline: Boolean(pipeline),
      },
      'room running',
    );
    print(
      formatStartSummary({
        links: [
          { name: 'Kiosk', url: `${url}/kiosk` },
          { name: 'Staff review', url: `${url}/staff` },
          ...(demoPanelUrl ? [{ name: 'Demo control panel', url: demoPanelUrl }] : []),
        ],
        ...(firstStartSecrets ? { secrets: firstStartSecrets } : {}),
      }),
    );
    firstStartSecrets = undefined;

    let stopping: Promise<void> | undefined;
    const httpServer = server;
    const notificationService = notifications;
    const staffReviewRunning = staffReview;
    return {
      url,
      port,
      store,
      logger,
      ...(simulator ? { simulatorUrl: simulator.url } : {}),
      ...(locator ? { locator: locator.client } : {}),
      ledger,
      kiosk,
      stop() {
        stopping ??= (async () => {
          logger.info('stopping');
          // Kiosks first (no new commands), then the HTTP server, then the ledger finishes what it
          // took in (and stops the pipeline) before the locator, the cameras and the database go.
          await kiosk.close();
          const closed = new Promise<void>((resolve) => httpServer.close(() => resolve()));
          // Live streams never go idle by themselves: end them so the server can close.
          staffReviewRunning.close();
          httpServer.closeIdleConnections();
          const grace = setTimeout(() => httpServer.closeAllConnections(), config.shutdownTimeoutMs);
          await closed;
          clearTimeout(grace);
          await ledger.stop();
          hardware.stop();
          await closeOcr();
          await locator?.stop();
          await simulator?.close();
          await notificationService.stop();
          availabilityLog.unsubscribe();
          await db.close();
          logger.info('stopped');
        })();
        return stopping;
      },
    };
  } catch (error) {
    if (firstStartSecrets) print(formatFirstStartSecrets(firstStartSecrets));
    for (const stop of started.reverse()) await stop().catch(() => undefined);
    server?.close();
    staffReview?.close();
    await notifications?.stop().catch(() => undefined);
    availabilityLog.unsubscribe();
    await db.close().catch(() => undefined);
    throw error;
  }
}
