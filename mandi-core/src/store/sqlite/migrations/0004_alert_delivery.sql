-- Mandi schema version 4: rule-engine state per watch, and delivery bookkeeping for the outbox
-- (holds for quiet hours / digests / daily caps, the moment a row was sent).

-- What the rule engine remembers per watch (`WatchRuleStates` as JSON), written in the same
-- transaction as the alerts it fired.
CREATE TABLE watch_rule_states (
    watch_id      INTEGER PRIMARY KEY REFERENCES watches (id) ON DELETE CASCADE,
    states_json   TEXT    NOT NULL
);

-- Why a pending row is held back ('quiet_hours', 'digest', 'daily_cap'); NULL when not held.
ALTER TABLE alert_outbox ADD COLUMN hold TEXT
    CHECK (hold IS NULL OR hold IN ('quiet_hours', 'digest', 'daily_cap'));
-- When a row was marked sent (for the daily cap).
ALTER TABLE alert_outbox ADD COLUMN sent_at_ms INTEGER;

CREATE INDEX alert_outbox_sent ON alert_outbox (user_id, sent_at_ms);
CREATE INDEX alert_outbox_by_alert ON alert_outbox (alert_id);
CREATE INDEX alert_outbox_held ON alert_outbox (user_id, status, next_attempt_at_ms);
