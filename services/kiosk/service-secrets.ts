import { randomBytes } from 'node:crypto';
import type { Queryable } from '../store/index.ts';

/**
 * A secret the configuration did not give, made once and kept in `service_secrets` so that it is
 * the same after a restart (the demo's kiosk token, the pickup credentials' key, the photo links'
 * key): a key made per start would break every PIN, QR code and link handed out before it. The
 * first of several services starting together wins; the others read its value.
 */
export async function serviceSecret(db: Queryable, name: string, bytes = 32): Promise<string> {
  await db.query('INSERT INTO service_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING', [
    name,
    randomBytes(bytes).toString('base64url'),
  ]);
  const { rows } = await db.query<{ value: string }>('SELECT value FROM service_secrets WHERE name = $1', [
    name,
  ]);
  return rows[0]!.value;
}
