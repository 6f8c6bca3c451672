-- Up Migration

-- The room as laid out: rebuilt from the layout file at every start, kept in tables so that
-- packages, placements and flags can reference slots and cameras with real foreign keys.
CREATE TABLE rooms (
  id text PRIMARY KEY,
  name text NOT NULL,
  layout jsonb NOT NULL,
  layout_sha256 text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE shelving_units (
  room_id text NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
  id text NOT NULL,
  width_cm real NOT NULL CHECK (width_cm > 0),
  depth_cm real NOT NULL CHECK (depth_cm > 0),
  position jsonb NOT NULL,
  PRIMARY KEY (room_id, id)
);

CREATE TABLE levels (
  room_id text NOT NULL,
  unit_id text NOT NULL,
  number integer NOT NULL CHECK (number >= 1),
  height_cm real NOT NULL CHECK (height_cm >= 0),
  clearance_cm real NOT NULL CHECK (clearance_cm > 0),
  PRIMARY KEY (room_id, unit_id, number),
  FOREIGN KEY (room_id, unit_id) REFERENCES shelving_units(room_id, id) ON DELETE CASCADE
);

CREATE TABLE slots (
  room_id text NOT NULL,
  id text NOT NULL,
  unit_id text NOT NULL,
  level_number integer NOT NULL,
  slot_index integer NOT NULL CHECK (slot_index >= 1),
  offset_cm real NOT NULL CHECK (offset_cm >= 0),
  width_cm real NOT NULL CHECK (width_cm > 0),
  depth_cm real NOT NULL CHECK (depth_cm > 0),
  height_cm real NOT NULL CHECK (height_cm > 0),
  PRIMARY KEY (room_id, id),
  UNIQUE (room_id, unit_id, level_number, slot_index),
  FOREIGN KEY (room_id, unit_id, level_number) REFERENCES levels(room_id, unit_id, number) ON DELETE CASCADE
);

CREATE TABLE cameras (
  room_id text NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
  id text NOT NULL,
  name text NOT NULL,
  width_px integer NOT NULL CHECK (width_px > 0),
  height_px integer NOT NULL CHECK (height_px > 0),
  view jsonb NOT NULL,
  PRIMARY KEY (room_id, id)
);

-- People. Residents are matched by name and apartment unit at the kiosk.
CREATE TABLE residents (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  apartment text NOT NULL,
  first_name text NOT NULL,
  last_name text NOT NULL,
  email text,
  phone text,
  active boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX residents_apartment_idx ON residents (apartment);
CREATE INDEX residents_name_idx ON residents (lower(last_name), lower(first_name));

CREATE TABLE couriers (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL,
  company text NOT NULL,
  pin_hash text NOT NULL,
  rfid_tag text UNIQUE,
  active boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE staff_users (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  username text NOT NULL UNIQUE CHECK (username = lower(username) AND length(username) BETWEEN 2 AND 64),
  display_name text NOT NULL,
  password_hash text NOT NULL,
  role text NOT NULL CHECK (role IN ('staff', 'admin')),
  disabled boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Images (label photos, placement snapshots, crops) are stored once and referenced by id, so
-- that access to them can be checked in one place.
CREATE TABLE images (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  content_type text NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png', 'image/webp')),
  width_px integer,
  height_px integer,
  bytes bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE packages (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  room_id text NOT NULL REFERENCES rooms(id),
  resident_id uuid REFERENCES residents(id),
  courier_id uuid REFERENCES couriers(id),
  carrier text,
  tracking_number text,
  recipient_text text,
  state text NOT NULL DEFAULT 'awaiting_placement'
    CHECK (state IN ('awaiting_placement', 'placed', 'picked_up', 'returned', 'lost')),
  slot_id text,
  pickup_pin_hash text,
  label_image_id uuid REFERENCES images(id),
  photo_image_id uuid REFERENCES images(id),
  registered_at timestamptz NOT NULL DEFAULT now(),
  placed_at timestamptz,
  picked_up_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (room_id, slot_id) REFERENCES slots(room_id, id),
  -- A placed package is somewhere; a package anywhere else is not on a shelf.
  CHECK ((state = 'placed') = (slot_id IS NOT NULL))
);
CREATE INDEX packages_state_idx ON packages (room_id, state);
CREATE INDEX packages_resident_idx ON packages (resident_id);
CREATE INDEX packages_tracking_idx ON packages (tracking_number);

CREATE TABLE placements (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  package_id uuid NOT NULL REFERENCES packages(id),
  room_id text NOT NULL,
  slot_id text NOT NULL,
  camera_id text,
  confidence real CHECK (confidence BETWEEN 0 AND 1),
  box jsonb,
  snapshot_image_id uuid REFERENCES images(id),
  observed_at timestamptz NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (room_id, slot_id) REFERENCES slots(room_id, id)
);
CREATE INDEX placements_package_idx ON placements (package_id);

CREATE TABLE pickups (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  package_id uuid NOT NULL REFERENCES packages(id),
  room_id text NOT NULL,
  slot_id text NOT NULL,
  resident_id uuid REFERENCES residents(id),
  session_id uuid,
  observed_at timestamptz NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (room_id, slot_id) REFERENCES slots(room_id, id)
);
CREATE INDEX pickups_package_idx ON pickups (package_id);

CREATE TABLE flags (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  room_id text NOT NULL REFERENCES rooms(id),
  kind text NOT NULL CHECK (kind IN (
    'unregistered_object', 'ambiguous_slot', 'never_placed', 'removal_without_session',
    'wrong_pickup', 'several_moved', 'camera_offline', 'state_mismatch', 'other')),
  status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved', 'dismissed')),
  slot_id text,
  package_id uuid REFERENCES packages(id),
  camera_id text,
  summary text NOT NULL,
  evidence jsonb NOT NULL DEFAULT '{}'::jsonb,
  raised_at timestamptz NOT NULL DEFAULT now(),
  resolved_at timestamptz,
  resolved_by uuid REFERENCES staff_users(id),
  resolution jsonb,
  CHECK ((status = 'open') = (resolved_at IS NULL))
);
CREATE INDEX flags_open_idx ON flags (room_id, raised_at) WHERE status = 'open';

-- What happened, in order. Written before anyone is told; never changed afterwards.
CREATE TABLE events (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  room_id text REFERENCES rooms(id),
  type text NOT NULL CHECK (type ~ '^[a-z]+(\.[a-z_]+)+$'),
  package_id uuid REFERENCES packages(id),
  payload jsonb NOT NULL DEFAULT '{}'::jsonb,
  occurred_at timestamptz NOT NULL DEFAULT now(),
  recorded_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX events_room_idx ON events (room_id, id);
CREATE INDEX events_package_idx ON events (package_id, id);

CREATE TABLE notification_outbox (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  event_id bigint NOT NULL REFERENCES events(id),
  channel text NOT NULL CHECK (channel IN ('email', 'sms')),
  recipient text NOT NULL,
  template text NOT NULL,
  payload jsonb NOT NULL DEFAULT '{}'::jsonb,
  -- One message per (event, channel, recipient): a retry or a replayed event cannot send twice.
  dedupe_key text NOT NULL UNIQUE,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'sent', 'parked')),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  last_error text,
  sent_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX notification_outbox_due_idx ON notification_outbox (next_attempt_at) WHERE status = 'pending';

CREATE TABLE audit_log (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  actor_kind text NOT NULL CHECK (actor_kind IN ('staff', 'system', 'courier', 'resident', 'kiosk')),
  actor_id text,
  action text NOT NULL,
  target_kind text,
  target_id text,
  details jsonb NOT NULL DEFAULT '{}'::jsonb,
  at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_target_idx ON audit_log (target_kind, target_id);

-- The event log and the audit log are append-only: the database itself refuses edits, so no
-- bug or hurried fix in the service can rewrite history.
CREATE FUNCTION refuse_history_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events
  FOR EACH ROW EXECUTE FUNCTION refuse_history_change();
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION refuse_history_change();

-- Down Migration
DROP TABLE IF EXISTS audit_log, notification_outbox, events, flags, pickups, placements, packages, images,
  staff_users, couriers, residents, cameras, slots, levels, shelving_units, rooms CASCADE;
DROP FUNCTION IF EXISTS refuse_history_change();
