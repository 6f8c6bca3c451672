-- Up Migration

-- Sessions a process left open when it died are closed at the next start as 'abandoned'
-- (services/ledger: the `restarted` input), so a new courier's parcel is never taken for them.
ALTER TABLE delivery_sessions DROP CONSTRAINT delivery_sessions_end_reason_check;
ALTER TABLE delivery_sessions ADD CONSTRAINT delivery_sessions_end_reason_check
  CHECK (end_reason IN ('courier', 'timeout', 'abandoned'));
ALTER TABLE pickup_sessions DROP CONSTRAINT pickup_sessions_end_reason_check;
ALTER TABLE pickup_sessions ADD CONSTRAINT pickup_sessions_end_reason_check
  CHECK (end_reason IN ('resident', 'timeout', 'all_picked_up', 'abandoned'));

-- Down Migration
UPDATE delivery_sessions SET end_reason = 'timeout' WHERE end_reason = 'abandoned';
UPDATE pickup_sessions SET end_reason = 'timeout' WHERE end_reason = 'abandoned';
ALTER TABLE delivery_sessions DROP CONSTRAINT delivery_sessions_end_reason_check;
ALTER TABLE delivery_sessions ADD CONSTRAINT delivery_sessions_end_reason_check
  CHECK (end_reason IN ('courier', 'timeout'));
ALTER TABLE pickup_sessions DROP CONSTRAINT pickup_sessions_end_reason_check;
ALTER TABLE pickup_sessions ADD CONSTRAINT pickup_sessions_end_reason_check
  CHECK (end_reason IN ('resident', 'timeout', 'all_picked_up'));
