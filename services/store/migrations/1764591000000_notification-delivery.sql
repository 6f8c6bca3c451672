-- Up Migration

-- A message whose reason went away before it was sent (a reminder for a package already picked
-- up) is cancelled rather than parked: parked means a person should look at it.
ALTER TABLE notification_outbox DROP CONSTRAINT notification_outbox_status_check;
ALTER TABLE notification_outbox ADD CONSTRAINT notification_outbox_status_check
  CHECK (status IN ('pending', 'sending', 'sent', 'parked', 'cancelled'));

-- Which worker holds a 'sending' row; its lease ends at next_attempt_at, after which another
-- worker may take the row back.
ALTER TABLE notification_outbox ADD COLUMN claimed_by text;

-- The stable Message-ID of the email a row produces, so a re-send after a crash is recognisable.
ALTER TABLE notification_outbox ADD COLUMN message_id text;

CREATE INDEX notification_outbox_lease_idx ON notification_outbox (next_attempt_at) WHERE status = 'sending';

-- Down Migration
DROP INDEX IF EXISTS notification_outbox_lease_idx;
ALTER TABLE notification_outbox DROP COLUMN IF EXISTS message_id;
ALTER TABLE notification_outbox DROP COLUMN IF EXISTS claimed_by;
UPDATE notification_outbox SET status = 'parked', last_error = coalesce(last_error, 'cancelled') WHERE status = 'cancelled';
ALTER TABLE notification_outbox DROP CONSTRAINT notification_outbox_status_check;
ALTER TABLE notification_outbox ADD CONSTRAINT notification_outbox_status_check
  CHECK (status IN ('pending', 'sending', 'sent', 'parked'));
