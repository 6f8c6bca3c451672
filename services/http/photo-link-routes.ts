import { Router } from 'express';
import { loadPackagePhoto, type PhotoLinks } from '../notifications/index.ts';
import type { Store } from '../store/index.ts';
import { ApiError } from './api-error.ts';

/**
 * The one way a resident sees a package photo: the signed link from their message. A link is
 * for one package until it expires; there is no listing and no guessing (the signature is an
 * HMAC), and every failure but expiry looks the same from outside.
 */
export function photoLinkRoutes(store: Store, photoLinks: PhotoLinks): Router {
  const router = Router();
  router.get('/p/:token/photo', async (req, res) => {
    const check = photoLinks.verify(String(req.params.token));
    if (!check.ok) {
      if (check.reason === 'expired') {
        throw new ApiError(
          410,
          'link_expired',
          'this photo link has expired; the building staff can show you the package',
        );
      }
      throw new ApiError(404, 'not_found', 'no photo at this link');
    }
    const photo = await loadPackagePhoto(store.db, check.packageId);
    if (!photo) throw new ApiError(404, 'not_found', 'no photo at this link');
    res.set({
      'content-type': photo.contentType,
      // The link is someone's own: no shared caches, and nothing kept past the link's life.
      'cache-control': 'private, max-age=300',
      'referrer-policy': 'no-referrer',
    });
    res.send(photo.bytes);
  });
  return router;
}
