-- Up Migration

-- One outbox path: a message that announces an event is one per (event, template, channel),
-- whatever format its dedupe key was written in. Rows queued by the ledger before the formats
-- were unified keep their key (`<eventId>:<channel>:<recipient>`, which fixes their email's
-- Message-ID and their SMS idempotency key), and the writer finds them by their event instead.
CREATE INDEX notification_outbox_event_idx ON notification_outbox (event_id, template);

-- Down Migration
DROP INDEX IF EXISTS notification_outbox_event_idx;
