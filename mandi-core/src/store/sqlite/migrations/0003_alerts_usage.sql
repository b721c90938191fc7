-- Mandi schema version 3: deal alerts, their delivery outbox, and API usage accounting.

CREATE TABLE alerts (
    id                      INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id                 INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    watch_id                INTEGER NOT NULL REFERENCES watches (id) ON DELETE CASCADE,
    marketplace             TEXT    NOT NULL,
    asin                    TEXT    NOT NULL,
    rule_kind               TEXT    NOT NULL,
    rule_json               TEXT    NOT NULL,
    price_minor             INTEGER,
    price_currency          TEXT,
    previous_price_minor    INTEGER,
    previous_price_currency TEXT,
    availability            TEXT    NOT NULL,
    message                 TEXT    NOT NULL,
    triggered_at_ms         INTEGER NOT NULL,
    dedupe_key              TEXT    NOT NULL UNIQUE,
    CHECK ((price_minor IS NULL) = (price_currency IS NULL)),
    CHECK ((previous_price_minor IS NULL) = (previous_price_currency IS NULL))
);
CREATE INDEX alerts_by_user ON alerts (user_id, triggered_at_ms);
CREATE INDEX alerts_by_watch ON alerts (watch_id, triggered_at_ms);

-- One alert to deliver through one channel; the idempotency key travels with the delivery.
CREATE TABLE alert_outbox (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    alert_id           INTEGER NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
    user_id            INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    channel            TEXT    NOT NULL,
    idempotency_key    TEXT    NOT NULL UNIQUE,
    status             TEXT    NOT NULL CHECK (status IN ('pending', 'sent', 'dead')),
    attempts           INTEGER NOT NULL DEFAULT 0,
    next_attempt_at_ms INTEGER NOT NULL,
    last_error         TEXT
);
CREATE INDEX alert_outbox_due ON alert_outbox (status, next_attempt_at_ms);

-- One row per API call made to a source, for quota accounting.
CREATE TABLE api_usage (
    id        INTEGER PRIMARY KEY,
    source    TEXT    NOT NULL,
    operation TEXT    NOT NULL,
    at_ms     INTEGER NOT NULL,
    items     INTEGER NOT NULL,
    ok        INTEGER NOT NULL
);
CREATE INDEX api_usage_by_source_time ON api_usage (source, at_ms);
