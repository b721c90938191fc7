-- Mandi schema version 2: users, their watches and alert rules, and the search log.
-- Every row that concerns a user carries its user id (multi-user isolation from day one).

CREATE TABLE users (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    identity_provider TEXT    NOT NULL,
    identity_subject  TEXT    NOT NULL,
    display_name      TEXT,
    settings_json     TEXT    NOT NULL,
    active            INTEGER NOT NULL DEFAULT 1,
    created_at_ms     INTEGER NOT NULL,
    UNIQUE (identity_provider, identity_subject)
);

CREATE TABLE watches (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id           INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    target_type       TEXT    NOT NULL CHECK (target_type IN ('product', 'family')),
    marketplace       TEXT    NOT NULL,
    asin              TEXT    NOT NULL,
    state             TEXT    NOT NULL CHECK (state IN ('active', 'paused', 'snoozed')),
    snoozed_until_ms  INTEGER,
    baseline_minor    INTEGER,
    baseline_currency TEXT,
    label             TEXT,
    created_at_ms     INTEGER NOT NULL,
    updated_at_ms     INTEGER NOT NULL,
    CHECK ((state = 'snoozed') = (snoozed_until_ms IS NOT NULL)),
    CHECK ((baseline_minor IS NULL) = (baseline_currency IS NULL))
);
CREATE INDEX watches_by_user ON watches (user_id, created_at_ms);
CREATE INDEX watches_by_target ON watches (marketplace, asin);

-- One row per rule of a watch: the rule as JSON and its kind for queries.
CREATE TABLE alert_rules (
    id        INTEGER PRIMARY KEY,
    watch_id  INTEGER NOT NULL REFERENCES watches (id) ON DELETE CASCADE,
    position  INTEGER NOT NULL,
    kind      TEXT    NOT NULL,
    rule_json TEXT    NOT NULL,
    UNIQUE (watch_id, position)
);

CREATE TABLE search_queries (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER REFERENCES users (id) ON DELETE SET NULL,
    marketplace  TEXT    NOT NULL,
    query        TEXT    NOT NULL,
    result_count INTEGER NOT NULL,
    at_ms        INTEGER NOT NULL
);
CREATE INDEX search_queries_by_user ON search_queries (user_id, at_ms);
CREATE INDEX search_queries_by_time ON search_queries (at_ms);
