-- Up Migration

-- Kiosk login tries, per kiosk device and kind of login (docs/kiosk-credentials.md). A try is
-- counted here, under the row's lock, before its PIN is looked up, so parallel sockets, several
-- service processes and restarts all see the same count.
CREATE TABLE kiosk_login_limits (
  device_id text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('courier', 'resident')),
  -- Tries counted and not yet forgotten (one is forgotten per quiet period, see the docs).
  tries integer NOT NULL DEFAULT 0 CHECK (tries >= 0),
  last_try_at timestamptz NOT NULL DEFAULT 'epoch',
  -- No try of this kind is checked at this kiosk before this time.
  locked_until timestamptz NOT NULL DEFAULT 'epoch',
  PRIMARY KEY (device_id, kind)
);

-- Couriers are found by a keyed HMAC of their PIN (and of their RFID tag) with the kiosk secret:
-- one indexed lookup and one argon2 check per login instead of one argon2 check per courier.
-- Unique, so a PIN names one courier. Existing couriers have neither yet: the secret is not in
-- the database, so the service fills them in at each courier's next login (legacy path, see
-- docs/kiosk-credentials.md) and clears the clear-text RFID tag then.
ALTER TABLE couriers ADD COLUMN pin_lookup text;
ALTER TABLE couriers ADD COLUMN rfid_lookup text;
-- What staff see of an enrolled tag (its last 4 characters); the tag itself is not kept.
ALTER TABLE couriers ADD COLUMN rfid_hint text;
CREATE UNIQUE INDEX couriers_pin_lookup_key ON couriers (pin_lookup);
CREATE UNIQUE INDEX couriers_rfid_lookup_key ON couriers (rfid_lookup);

-- Down Migration
DROP INDEX IF EXISTS couriers_rfid_lookup_key;
DROP INDEX IF EXISTS couriers_pin_lookup_key;
ALTER TABLE couriers DROP COLUMN IF EXISTS rfid_hint;
ALTER TABLE couriers DROP COLUMN IF EXISTS rfid_lookup;
ALTER TABLE couriers DROP COLUMN IF EXISTS pin_lookup;
DROP TABLE IF EXISTS kiosk_login_limits;
