/**
 * Writes docs/images/demo-cam-{1,2,3}.png: one frame of each demo camera in the middle of the
 * busy-afternoon scenario (couriers placing, a resident picking up with the laser on her
 * package), as the streams deliver it (JPEG), saved as PNG for the README. Run with
 * `npm run docs:pictures` after changing the renderer or the demo room.
 */
import { mkdirSync } from 'node:fs';
import sharp from 'sharp';
import { loadLayoutFile } from '../../calibration/index.ts';
import { openSimulatedRoom } from '../open-simulated-room.ts';

const layout = await loadLayoutFile('calibration/rooms/demo-room.yaml');
const room = await openSimulatedRoom({ layout, scenario: '14-busy-afternoon' });
const timeMs = 10_400;
mkdirSync('docs/images', { recursive: true });
for (const cameraId of room.cameraIds) {
  const { frame, jpeg } = await room.renderJpeg(cameraId, timeMs, 104);
  const file = `docs/images/demo-${cameraId}.png`;
  await sharp(jpeg).png({ compressionLevel: 9 }).toFile(file);
  process.stdout.write(
    `${file}: ${frame.boxes.length} packages, ${frame.people.length} people, laser dot ${frame.laserDot ? 'seen' : 'hidden'}\n`,
  );
}
