/**
 * A stand-in for the service's process in the fault tests: it connects a locator client, points
 * at a slot, says so on stdout, and keeps its heartbeats going until it is killed.
 */
import { loadLayoutFile } from '../../calibration/index.ts';
import { createLocatorClient, slotTarget } from '../../hw-controller/index.ts';

const [endpoint, slotId] = process.argv.slice(2);
const layout = await loadLayoutFile('calibration/rooms/demo-room.yaml');
const client = createLocatorClient({ endpoint: endpoint!, heartbeatMs: 100 });
const state = await client.pointAt(slotTarget(layout, slotId!));
process.stdout.write(`${JSON.stringify({ pointed: slotId, laserOn: state.laser.on })}\n`);
setInterval(() => undefined, 60_000);
