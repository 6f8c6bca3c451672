import { Router } from 'express';
import { z } from 'zod';
import { packageStates, type Store } from '../store/index.ts';
import { ApiError } from './api-error.ts';

const roomParams = z.object({
  roomId: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be a room id (lower-case letters, digits, dashes)'),
});
const packageParams = z.object({ packageId: z.uuid('must be a package id (UUID)') });
const packageQuery = z
  .object({
    roomId: z.string().optional(),
    state: z.enum(packageStates, { error: `must be one of ${packageStates.join(', ')}` }).optional(),
    residentId: z.uuid('must be a resident id (UUID)').optional(),
    trackingNumber: z.string().trim().min(1).max(64).optional(),
    limit: z.coerce
      .number()
      .int()
      .min(1, 'must be between 1 and 200')
      .max(200, 'must be between 1 and 200')
      .default(50),
    before: z.uuid('must be the id of the last package of the previous page').optional(),
  })
  .strict();

/** Read-only JSON API over rooms, slots and packages. */
export function roomRoutes(store: Store): Router {
  const router = Router();

  router.get('/rooms', async (_req, res) => {
    res.json({ rooms: await store.rooms.list() });
  });

  router.get('/rooms/:roomId', async (req, res) => {
    const { roomId } = roomParams.parse(req.params);
    const room = await store.rooms.get(roomId);
    if (!room) throw new ApiError(404, 'not_found', `room ${roomId} does not exist`);
    res.json({ room });
  });

  router.get('/rooms/:roomId/slots', async (req, res) => {
    const { roomId } = roomParams.parse(req.params);
    const slots = await store.rooms.slots(roomId);
    if (slots.length === 0 && !(await store.rooms.get(roomId)))
      throw new ApiError(404, 'not_found', `room ${roomId} does not exist`);
    res.json({ roomId, slots });
  });

  router.get('/packages', async (req, res) => {
    const query = packageQuery.parse(req.query);
    const packages = await store.packages.list(query);
    const last = packages.at(-1);
    res.json({ packages, next: packages.length === query.limit && last ? { before: last.id } : null });
  });

  router.get('/packages/:packageId', async (req, res) => {
    const { packageId } = packageParams.parse(req.params);
    const pkg = await store.packages.get(packageId);
    if (!pkg) throw new ApiError(404, 'not_found', `package ${packageId} does not exist`);
    res.json({ package: pkg });
  });

  return router;
}
