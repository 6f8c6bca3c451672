-- Up Migration

-- Secrets the service makes for itself when the configuration gives none (the demo): the kiosk
-- device token and the key of pickup PINs and QR tokens. Kept here so they survive a restart;
-- a production room sets them in its configuration instead (docs/kiosk-protocol.md).
CREATE TABLE service_secrets (
  name text PRIMARY KEY,
  value text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- One QR pickup token per placed package; the token itself is signed and holds only the id and
-- its expiry, the row records whether it was used (a token works once).
CREATE TABLE pickup_credentials (
  id uuid PRIMARY KEY,
  room_id text NOT NULL REFERENCES rooms(id),
  package_id uuid NOT NULL REFERENCES packages(id),
  resident_id uuid NOT NULL REFERENCES residents(id),
  expires_at timestamptz NOT NULL,
  used_at timestamptz,
  used_by text,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX pickup_credentials_package_idx ON pickup_credentials (package_id);

-- The kiosk finds a package by its PIN's keyed hash.
CREATE INDEX packages_pickup_pin_idx ON packages (room_id, pickup_pin_hash) WHERE pickup_pin_hash IS NOT NULL;

-- Down Migration
DROP INDEX IF EXISTS packages_pickup_pin_idx;
DROP TABLE IF EXISTS pickup_credentials, service_secrets;
