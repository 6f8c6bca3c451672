import { performance } from 'node:perf_hooks';
import { Registry } from 'prom-client';
import { listSlots, loadLayoutFile } from '../../calibration/index.ts';
import { createHwLinkMetrics, createLocatorClient } from '../../hw-controller/index.ts';
import type { ServerMessage } from '../../services/kiosk/index.ts';
import { openSimulatedRoom, startSimulatorServer } from '../../simulator/index.ts';
import { KioskClient, observation, openKioskWorld } from '../services/kiosk/kiosk-harness.ts';
import { startDaemonProcess } from '../support/hw-daemon-process.ts';
import { median, percentile, report } from './bench-report.ts';

/**
 * The kiosk's own latencies over loopback, as a kiosk page sees them: a real ws client, the
 * kiosk server and the room ledger over PostgreSQL, the locator through a sim-driver daemon in its
 * own process. Label reading is measured by labels.bench.ts.
 */
const runs = 30;
const layout = await loadLayoutFile('calibration/rooms/demo-room.yaml');
const simulator = await startSimulatorServer({ room: await openSimulatedRoom({ layout }), fps: 1 });
const daemon = await startDaemonProcess([
  '--driver',
  'sim',
  '--bind',
  'tcp://127.0.0.1:*',
  '--simulator-url',
  simulator.url,
]);
const locator = createLocatorClient({
  endpoint: daemon.endpoint,
  metrics: createHwLinkMetrics(new Registry()),
});
const w = await openKioskWorld({ locator });
const c = await KioskClient.authenticated(w.wsUrl);
const residents = await w.store.people.listResidents();
const slots = listSlots(layout).map((s) => s.id);

const loginMs: number[] = [];
const registerMs: number[] = [];
const placedMs: number[] = [];
const pointMs: number[] = [];
const pickedMs: number[] = [];
try {
  const pins: string[] = [];
  for (let i = 0; i < runs; i++) {
    let t = performance.now();
    const session = await c.request({ type: 'courier_login', pin: w.seeded.courierPins[i % 4]!.pin });
    loginMs.push(performance.now() - t);
    if (session.type !== 'session') throw new Error(JSON.stringify(session));
    const reading = (await c.request({
      type: 'tracking_typed',
      trackingNumber: '1Z999AA10123456784',
    })) as Extract<ServerMessage, { type: 'label_reading' }>;
    t = performance.now();
    const awaiting = await c.request({
      type: 'recipient_confirm',
      readingId: reading.readingId,
      residentId: residents[i]!.id,
    });
    registerMs.push(performance.now() - t);
    const since = c.received.length;
    t = performance.now();
    await w.ledger.observe(observation('appeared', slots[i]!));
    await c.next('placed', since);
    placedMs.push(performance.now() - t);
    await c.request({ type: 'session_end' });
    const { rows } = await w.db.query<{ payload: { pickupPin: string } }>(
      `SELECT o.payload FROM notification_outbox o JOIN events e ON e.id = o.event_id
       WHERE e.package_id = $1 AND o.template = 'package_placed' LIMIT 1`,
      [(awaiting as { packageId: string }).packageId],
    );
    pins.push(rows[0]!.payload.pickupPin);
  }
  for (let i = 0; i < runs; i++) {
    const since = c.received.length;
    let t = performance.now();
    const started = await c.request({ type: 'resident_login', pin: pins[i]! });
    if (started.type !== 'pickup_started') throw new Error(JSON.stringify(started));
    await c.next('locator', since);
    pointMs.push(performance.now() - t);
    t = performance.now();
    await w.ledger.observe(observation('vanished', slots[i]!));
    await c.next('pickup_ended', since);
    pickedMs.push(performance.now() - t);
  }
} finally {
  await c.close();
  await w.close();
  await locator.close();
  await daemon.stop();
  await simulator.close();
}

const rows = (name: string, values: number[], note = '') => [
  { name: `${name} median`, value: median(values), unit: 'ms', note },
  { name: `${name} p95`, value: percentile(values, 95), unit: 'ms' },
];
report({
  benchmark: 'kiosk',
  rows: [
    ...rows('courier PIN login (argon2 against 4 couriers, commit)', loginMs),
    ...rows('recipient confirmed → awaiting_placement', registerMs, 'ws + ledger commit'),
    ...rows('appeared → kiosk told placed', placedMs, 'commit with outbox and credentials + ws'),
    ...rows('resident PIN → locator pointing', pointMs, 'budget 100 ms p99 (DESIGN)'),
    { name: 'resident PIN → locator pointing p99', value: percentile(pointMs, 99), unit: 'ms' },
    ...rows('vanished → kiosk told pickup_ended', pickedMs, 'commit, locator off + ws'),
  ],
});
