-- Up Migration

-- Staff sessions. The cookie carries a random id; only its SHA-256 is kept, so a copy of the
-- database does not let anyone log in as staff.
CREATE TABLE staff_sessions (
  id_sha256 text PRIMARY KEY CHECK (id_sha256 ~ '^[0-9a-f]{64}$'),
  staff_user_id uuid NOT NULL REFERENCES staff_users(id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  ip text,
  user_agent text
);
CREATE INDEX staff_sessions_user_idx ON staff_sessions (staff_user_id);
CREATE INDEX staff_sessions_expiry_idx ON staff_sessions (expires_at);

-- Search by carrier and by registration date are the staff page's usual questions.
CREATE INDEX packages_registered_idx ON packages (room_id, registered_at DESC);
CREATE INDEX flags_raised_idx ON flags (room_id, raised_at DESC);

-- Down Migration
DROP INDEX IF EXISTS flags_raised_idx;
DROP INDEX IF EXISTS packages_registered_idx;
DROP TABLE IF EXISTS staff_sessions;
