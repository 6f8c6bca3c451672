-- Up Migration

-- The room ledger's sessions, unexplained objects and camera outages: what it needs besides
-- packages, placements, pickups and flags to rebuild its state after a restart.
CREATE TABLE delivery_sessions (
  id uuid PRIMARY KEY,
  room_id text NOT NULL REFERENCES rooms(id),
  courier_id uuid REFERENCES couriers(id),
  started_at timestamptz NOT NULL,
  ended_at timestamptz,
  end_reason text CHECK (end_reason IN ('courier', 'timeout')),
  CHECK ((ended_at IS NULL) = (end_reason IS NULL))
);
CREATE INDEX delivery_sessions_open_idx ON delivery_sessions (room_id) WHERE ended_at IS NULL;

ALTER TABLE packages ADD COLUMN delivery_session_id uuid REFERENCES delivery_sessions(id);
CREATE INDEX packages_delivery_session_idx ON packages (delivery_session_id);

CREATE TABLE pickup_sessions (
  id uuid PRIMARY KEY,
  room_id text NOT NULL REFERENCES rooms(id),
  resident_id uuid NOT NULL REFERENCES residents(id),
  package_ids uuid[] NOT NULL CHECK (cardinality(package_ids) > 0),
  started_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  ended_at timestamptz,
  end_reason text CHECK (end_reason IN ('resident', 'timeout', 'all_picked_up')),
  outcome text CHECK (outcome IN ('picked_up', 'partly_picked_up', 'nothing_picked_up')),
  -- After its end a session still explains removals for a short grace; this is when that stopped.
  grace_over_at timestamptz,
  CHECK ((ended_at IS NULL) = (end_reason IS NULL) AND (ended_at IS NULL) = (outcome IS NULL)),
  CHECK (grace_over_at IS NULL OR ended_at IS NOT NULL)
);
CREATE INDEX pickup_sessions_live_idx ON pickup_sessions (room_id) WHERE grace_over_at IS NULL;

-- Objects on the shelves that no registration explains, each with the flag raised for it.
CREATE TABLE room_objects (
  id uuid PRIMARY KEY,
  room_id text NOT NULL,
  slot_id text NOT NULL,
  flag_id uuid NOT NULL REFERENCES flags(id),
  appeared_at timestamptz NOT NULL,
  vanished_at timestamptz,
  FOREIGN KEY (room_id, slot_id) REFERENCES slots(room_id, id)
);
CREATE INDEX room_objects_present_idx ON room_objects (room_id) WHERE vanished_at IS NULL;

CREATE TABLE camera_outages (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  room_id text NOT NULL REFERENCES rooms(id),
  camera_id text NOT NULL,
  offline_since timestamptz NOT NULL,
  reason text,
  flag_id uuid REFERENCES flags(id),
  online_at timestamptz
);
CREATE UNIQUE INDEX camera_outages_open_idx ON camera_outages (room_id, camera_id) WHERE online_at IS NULL;

-- Every ledger input that was applied, by the id its sender gave it: applying it again is a no-op.
CREATE TABLE ledger_inputs (
  room_id text NOT NULL REFERENCES rooms(id),
  input_id text NOT NULL,
  type text NOT NULL,
  at timestamptz NOT NULL,
  event_ids bigint[] NOT NULL DEFAULT '{}',
  recorded_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (room_id, input_id)
);

-- Down Migration
DROP TABLE IF EXISTS ledger_inputs, camera_outages, room_objects, pickup_sessions;
ALTER TABLE packages DROP COLUMN IF EXISTS delivery_session_id;
DROP TABLE IF EXISTS delivery_sessions;
