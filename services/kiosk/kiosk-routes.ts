import { createHmac, timingSafeEqual } from 'node:crypto';
import { type Request, Router } from 'express';
import type { Database } from '../store/index.ts';
import type { KioskDeviceRegistry } from './kiosk-devices.ts';
import { kioskWsPath } from './kiosk-protocol.ts';

export const photoUrlLifetimeMs = 15 * 60_000;

/** Short-lived photo URLs for one kiosk device, usable as an img src (no headers needed). */
export function createKioskPhotoUrls(secret: string) {
  const sign = (imageId: string, deviceId: string, expMs: number) =>
    createHmac('sha256', secret).update(`kiosk-photo:${imageId}:${deviceId}:${expMs}`).digest('hex');
  return {
    urlFor(imageId: string, deviceId: string, nowMs = Date.now()): string {
      const exp = nowMs + photoUrlLifetimeMs;
      const query = new URLSearchParams({
        device: deviceId,
        exp: String(exp),
        sig: sign(imageId, deviceId, exp),
      });
      return `/kiosk/photos/${imageId}?${query}`;
    },
    check(
      imageId: string,
      deviceId: string,
      exp: string,
      sig: string,
      nowMs = Date.now(),
    ): 'ok' | 'bad' | 'expired' {
      if (!/^\d{1,16}$/.test(exp) || !/^[0-9a-f]{64}$/.test(sig)) return 'bad';
      const expected = Buffer.from(sign(imageId, deviceId, Number(exp)), 'hex');
      if (!timingSafeEqual(expected, Buffer.from(sig, 'hex'))) return 'bad';
      return Number(exp) < nowMs ? 'expired' : 'ok';
    },
  };
}

export type KioskPhotoUrls = ReturnType<typeof createKioskPhotoUrls>;

const loopback = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);
export const isLoopback = (req: Pick<Request, 'socket'>) => loopback.has(req.socket.remoteAddress ?? '');

// A page reached through another name for this machine (DNS rebinding) must not get the token.
const loopbackHost = /^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/i;
const isLocalPage = (req: Request) => isLoopback(req) && loopbackHost.test(req.headers.host ?? '');

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * `GET /kiosk/device`: the demo device's id and token, only to a page on this machine and only
 * while the service uses its own demo device. `GET /kiosk/photos/:imageId`: a package photo for
 * a signed URL the kiosk server handed out.
 */
export function kioskRoutes(deps: {
  db: Database;
  devices: KioskDeviceRegistry;
  photoUrls: KioskPhotoUrls;
}): Router {
  const router = Router();
  router.get('/kiosk/device', (req, res) => {
    const device = deps.devices.devices[0];
    if (!deps.devices.demo || !device || !isLocalPage(req)) {
      res
        .status(404)
        .json({ error: { code: 'not_found', message: 'configure the kiosk with its device id and token' } });
      return;
    }
    res
      .set('Cache-Control', 'no-store')
      .json({ deviceId: device.id, token: device.token, wsPath: kioskWsPath });
  });
  router.get('/kiosk/photos/:imageId', async (req, res, next) => {
    try {
      const { imageId } = req.params;
      const q = req.query as Record<string, unknown>;
      const [device, exp, sig] = [q.device, q.exp, q.sig].map((v) => (typeof v === 'string' ? v : ''));
      const verdict = uuidPattern.test(imageId) ? deps.photoUrls.check(imageId, device!, exp!, sig!) : 'bad';
      if (verdict !== 'ok') {
        res.status(verdict === 'expired' ? 410 : 404).json({
          error: { code: verdict === 'expired' ? 'expired' : 'not_found', message: 'no such photo' },
        });
        return;
      }
      const { rows } = await deps.db.query<{ content_type: string; bytes: Buffer }>(
        'SELECT content_type, bytes FROM images WHERE id = $1',
        [imageId],
      );
      const image = rows[0];
      if (!image) {
        res.status(404).json({ error: { code: 'not_found', message: 'no such photo' } });
        return;
      }
      res.set('Cache-Control', 'private, max-age=900').type(image.content_type).send(image.bytes);
    } catch (error) {
      next(error);
    }
  });
  return router;
}
