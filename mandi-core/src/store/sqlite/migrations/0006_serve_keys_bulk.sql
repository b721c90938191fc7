-- Mandi schema version 6: API keys (stored hashed) with their daily usage, and bulk jobs.

-- An API key belongs to one user; only the SHA-256 of the secret is kept.
CREATE TABLE api_keys (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id         INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name            TEXT    NOT NULL,
    scope           TEXT    NOT NULL CHECK (scope IN ('read', 'write', 'admin')),
    prefix          TEXT    NOT NULL,
    secret_hash     TEXT    NOT NULL UNIQUE,
    rate_per_second INTEGER NOT NULL,
    burst           INTEGER NOT NULL,
    created_at_ms   INTEGER NOT NULL,
    revoked_at_ms   INTEGER,
    last_used_at_ms INTEGER
);
CREATE INDEX api_keys_by_user ON api_keys (user_id);

-- Requests made with a key, per UTC day.
CREATE TABLE api_key_usage (
    key_id   INTEGER NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
    day      TEXT    NOT NULL,
    requests INTEGER NOT NULL,
    rejected INTEGER NOT NULL,
    PRIMARY KEY (key_id, day)
);

-- A bulk job: many products watched with one rule set.
CREATE TABLE bulk_jobs (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    spec_json     TEXT    NOT NULL,
    total         INTEGER NOT NULL,
    created_at_ms INTEGER NOT NULL,
    finished_at_ms INTEGER
);
CREATE INDEX bulk_jobs_by_user ON bulk_jobs (user_id, id);

-- One input line of a bulk job and what became of it.
CREATE TABLE bulk_job_items (
    job_id      INTEGER NOT NULL REFERENCES bulk_jobs (id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    input       TEXT    NOT NULL,
    marketplace TEXT,
    asin        TEXT,
    status      TEXT    NOT NULL CHECK (status IN ('pending', 'watching', 'already_watched', 'not_found', 'invalid', 'failed')),
    watch_id    INTEGER,
    detail      TEXT,
    PRIMARY KEY (job_id, position)
);
