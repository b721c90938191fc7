-- Mandi's PostgreSQL schema, version 1: the same tables and columns as the SQLite store's
-- migrations 0001-0006 (see ../../sqlite/migrations), in PostgreSQL types:
-- * 64-bit integers (BIGINT) for amounts in minor units, unix-millisecond times, counts and
--   0/1 flags, exactly as SQLite keeps them, so `mandi migrate` copies rows unchanged;
-- * ids are identity columns (`BY DEFAULT`, so a copy keeps the SQLite ids);
-- * enums are lower-case text and lists JSON text, as in SQLite.

-- from 0001_catalogue.sql
-- Mandi schema version 1: the catalogue and price history.
--
-- Conventions, kept portable so a PostgreSQL adapter can use the same shape:
-- * a marketplace is its ISO 3166 country code ('IN', 'US');
-- * money is an integer amount in minor units (`*_minor`, 64-bit) beside an ISO 4217 code
--   (`*_currency`); both are NULL when the amount is unknown (never 0);
-- * times are UTC unix milliseconds (`*_ms`, 64-bit integers);
-- * enums are stable lower-case text (`in_stock`, `buy_box`); lists are JSON text;
-- * booleans are 0/1 integers.

CREATE TABLE products (
    marketplace               TEXT    NOT NULL,
    asin                      TEXT    NOT NULL,
    title                     TEXT    NOT NULL,
    brand                     TEXT,
    manufacturer              TEXT,
    features_json             TEXT    NOT NULL DEFAULT '[]',
    contributors_json         TEXT    NOT NULL DEFAULT '[]',
    product_group             TEXT,
    images_json               TEXT    NOT NULL DEFAULT '[]',
    detail_page_url           TEXT,
    parent_asin               TEXT,
    variation_attributes_json TEXT    NOT NULL DEFAULT '[]',
    origin                    TEXT    NOT NULL,
    fetched_at_ms             BIGINT NOT NULL,
    PRIMARY KEY (marketplace, asin)
);
CREATE INDEX products_by_parent ON products (marketplace, parent_asin);

-- The current offers of a product, replaced on every save; `position` keeps their order.
CREATE TABLE offers (
    marketplace          TEXT    NOT NULL,
    asin                 TEXT    NOT NULL,
    position             BIGINT NOT NULL,
    listing_id           TEXT,
    price_minor          BIGINT ,
    price_currency       TEXT,
    list_price_minor     BIGINT ,
    list_price_currency  TEXT,
    savings_minor        BIGINT ,
    savings_currency     TEXT,
    savings_percent      BIGINT ,
    merchant_id          TEXT,
    merchant_name        TEXT,
    fulfilled_by_amazon  BIGINT NOT NULL,
    condition            TEXT    NOT NULL,
    is_buy_box_winner    BIGINT NOT NULL,
    has_deal             BIGINT NOT NULL,
    deal_badge           TEXT,
    deal_access_type     TEXT,
    deal_starts_at_ms    BIGINT ,
    deal_ends_at_ms      BIGINT ,
    deal_percent_claimed BIGINT ,
    availability         TEXT    NOT NULL,
    availability_message TEXT,
    loyalty_points       BIGINT ,
    PRIMARY KEY (marketplace, asin, position),
    FOREIGN KEY (marketplace, asin) REFERENCES products (marketplace, asin) ON DELETE CASCADE,
    CHECK ((price_minor IS NULL) = (price_currency IS NULL)),
    CHECK ((list_price_minor IS NULL) = (list_price_currency IS NULL)),
    CHECK ((savings_minor IS NULL) = (savings_currency IS NULL))
);

CREATE TABLE customer_reviews (
    marketplace  TEXT    NOT NULL,
    asin         TEXT    NOT NULL,
    rating_centi BIGINT NOT NULL,
    review_count BIGINT NOT NULL,
    PRIMARY KEY (marketplace, asin),
    FOREIGN KEY (marketplace, asin) REFERENCES products (marketplace, asin) ON DELETE CASCADE
);

-- Browse (category) nodes as last seen; children as JSON [{id, name}].
CREATE TABLE browse_nodes (
    marketplace       TEXT    NOT NULL,
    id                TEXT    NOT NULL,
    name              TEXT    NOT NULL,
    context_free_name TEXT,
    is_root           BIGINT NOT NULL,
    children_json     TEXT    NOT NULL DEFAULT '[]',
    PRIMARY KEY (marketplace, id)
);

-- A node's ancestor chain; depth 1 is the parent, 2 the grand-parent…
CREATE TABLE browse_node_ancestry (
    marketplace   TEXT    NOT NULL,
    node_id       TEXT    NOT NULL,
    depth         BIGINT NOT NULL,
    ancestor_id   TEXT    NOT NULL,
    ancestor_name TEXT    NOT NULL,
    PRIMARY KEY (marketplace, node_id, depth),
    FOREIGN KEY (marketplace, node_id) REFERENCES browse_nodes (marketplace, id) ON DELETE CASCADE
);
CREATE INDEX browse_node_ancestry_by_ancestor ON browse_node_ancestry (marketplace, ancestor_id);

-- The nodes a product sits in, with its sales rank there.
CREATE TABLE product_browse_nodes (
    marketplace TEXT    NOT NULL,
    asin        TEXT    NOT NULL,
    position    BIGINT NOT NULL,
    node_id     TEXT    NOT NULL,
    sales_rank  BIGINT ,
    PRIMARY KEY (marketplace, asin, position),
    FOREIGN KEY (marketplace, asin) REFERENCES products (marketplace, asin) ON DELETE CASCADE,
    FOREIGN KEY (marketplace, node_id) REFERENCES browse_nodes (marketplace, id)
);
CREATE INDEX product_browse_nodes_by_node ON product_browse_nodes (marketplace, node_id);

-- Variation families: parent ↔ child with the child's attributes as JSON [{name, value}].
CREATE TABLE variations (
    marketplace     TEXT NOT NULL,
    parent_asin     TEXT NOT NULL,
    child_asin      TEXT NOT NULL,
    attributes_json TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (marketplace, parent_asin, child_asin)
);
CREATE INDEX variations_by_child ON variations (marketplace, child_asin);

-- Price observations; a NULL price is an unknown price (a gap), never zero.
CREATE TABLE price_history (
    id                  BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    marketplace         TEXT    NOT NULL,
    asin                TEXT    NOT NULL,
    offer_kind          TEXT    NOT NULL,
    at_ms               BIGINT NOT NULL,
    price_minor         BIGINT ,
    price_currency      TEXT,
    list_price_minor    BIGINT ,
    list_price_currency TEXT,
    availability        TEXT    NOT NULL,
    deal_badge          TEXT,
    origin              TEXT    NOT NULL,
    UNIQUE (marketplace, asin, offer_kind, at_ms),
    CHECK ((price_minor IS NULL) = (price_currency IS NULL)),
    CHECK ((list_price_minor IS NULL) = (list_price_currency IS NULL))
);
CREATE INDEX price_history_by_time ON price_history (marketplace, asin, at_ms);

-- from 0002_users_watches.sql
-- Mandi schema version 2: users, their watches and alert rules, and the search log.
-- Every row that concerns a user carries its user id (multi-user isolation from day one).

CREATE TABLE users (
    id                BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    identity_provider TEXT    NOT NULL,
    identity_subject  TEXT    NOT NULL,
    display_name      TEXT,
    settings_json     TEXT    NOT NULL,
    active            BIGINT NOT NULL DEFAULT 1,
    created_at_ms     BIGINT NOT NULL,
    UNIQUE (identity_provider, identity_subject)
);

CREATE TABLE watches (
    id                BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    user_id           BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    target_type       TEXT    NOT NULL CHECK (target_type IN ('product', 'family')),
    marketplace       TEXT    NOT NULL,
    asin              TEXT    NOT NULL,
    state             TEXT    NOT NULL CHECK (state IN ('active', 'paused', 'snoozed')),
    snoozed_until_ms  BIGINT ,
    baseline_minor    BIGINT ,
    baseline_currency TEXT,
    label             TEXT,
    created_at_ms     BIGINT NOT NULL,
    updated_at_ms     BIGINT NOT NULL,
    CHECK ((state = 'snoozed') = (snoozed_until_ms IS NOT NULL)),
    CHECK ((baseline_minor IS NULL) = (baseline_currency IS NULL))
);
CREATE INDEX watches_by_user ON watches (user_id, created_at_ms);
CREATE INDEX watches_by_target ON watches (marketplace, asin);

-- One row per rule of a watch: the rule as JSON and its kind for queries.
CREATE TABLE alert_rules (
    id        BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    watch_id  BIGINT NOT NULL REFERENCES watches (id) ON DELETE CASCADE,
    position  BIGINT NOT NULL,
    kind      TEXT    NOT NULL,
    rule_json TEXT    NOT NULL,
    UNIQUE (watch_id, position)
);

CREATE TABLE search_queries (
    id           BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    user_id      BIGINT REFERENCES users (id) ON DELETE SET NULL,
    marketplace  TEXT    NOT NULL,
    query        TEXT    NOT NULL,
    result_count BIGINT NOT NULL,
    at_ms        BIGINT NOT NULL
);
CREATE INDEX search_queries_by_user ON search_queries (user_id, at_ms);
CREATE INDEX search_queries_by_time ON search_queries (at_ms);

-- from 0003_alerts_usage.sql
-- Mandi schema version 3: deal alerts, their delivery outbox, and API usage accounting.

CREATE TABLE alerts (
    id                      BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    user_id                 BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    watch_id                BIGINT NOT NULL REFERENCES watches (id) ON DELETE CASCADE,
    marketplace             TEXT    NOT NULL,
    asin                    TEXT    NOT NULL,
    rule_kind               TEXT    NOT NULL,
    rule_json               TEXT    NOT NULL,
    price_minor             BIGINT ,
    price_currency          TEXT,
    previous_price_minor    BIGINT ,
    previous_price_currency TEXT,
    availability            TEXT    NOT NULL,
    message                 TEXT    NOT NULL,
    triggered_at_ms         BIGINT NOT NULL,
    dedupe_key              TEXT    NOT NULL UNIQUE,
    CHECK ((price_minor IS NULL) = (price_currency IS NULL)),
    CHECK ((previous_price_minor IS NULL) = (previous_price_currency IS NULL))
);
CREATE INDEX alerts_by_user ON alerts (user_id, triggered_at_ms);
CREATE INDEX alerts_by_watch ON alerts (watch_id, triggered_at_ms);

-- One alert to deliver through one channel; the idempotency key travels with the delivery.
CREATE TABLE alert_outbox (
    id                 BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    alert_id           BIGINT NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
    user_id            BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    channel            TEXT    NOT NULL,
    idempotency_key    TEXT    NOT NULL UNIQUE,
    status             TEXT    NOT NULL CHECK (status IN ('pending', 'sent', 'dead')),
    attempts           BIGINT NOT NULL DEFAULT 0,
    next_attempt_at_ms BIGINT NOT NULL,
    last_error         TEXT
);
CREATE INDEX alert_outbox_due ON alert_outbox (status, next_attempt_at_ms);

-- One row per API call made to a source, for quota accounting.
CREATE TABLE api_usage (
    id        BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    source    TEXT    NOT NULL,
    operation TEXT    NOT NULL,
    at_ms     BIGINT NOT NULL,
    items     BIGINT NOT NULL,
    ok        BIGINT NOT NULL
);
CREATE INDEX api_usage_by_source_time ON api_usage (source, at_ms);

-- from 0004_alert_delivery.sql
-- Mandi schema version 4: rule-engine state per watch, and delivery bookkeeping for the outbox
-- (holds for quiet hours / digests / daily caps, the moment a row was sent).

-- What the rule engine remembers per watch (`WatchRuleStates` as JSON), written in the same
-- transaction as the alerts it fired.
CREATE TABLE watch_rule_states (
    watch_id      BIGINT PRIMARY KEY REFERENCES watches (id) ON DELETE CASCADE,
    states_json   TEXT    NOT NULL
);

-- Why a pending row is held back ('quiet_hours', 'digest', 'daily_cap'); NULL when not held.
ALTER TABLE alert_outbox ADD COLUMN hold TEXT
    CHECK (hold IS NULL OR hold IN ('quiet_hours', 'digest', 'daily_cap'));
-- When a row was marked sent (for the daily cap).
ALTER TABLE alert_outbox ADD COLUMN sent_at_ms BIGINT ;

CREATE INDEX alert_outbox_sent ON alert_outbox (user_id, sent_at_ms);
CREATE INDEX alert_outbox_by_alert ON alert_outbox (alert_id);
CREATE INDEX alert_outbox_held ON alert_outbox (user_id, status, next_attempt_at_ms);

-- from 0005_engine_price_stats.sql
-- Running aggregates of each product's price history per offer kind, kept in the same
-- transaction as the points (issue 13: the alert step no longer reads the whole history).
CREATE TABLE price_stats (
    marketplace             TEXT    NOT NULL,
    asin                    TEXT    NOT NULL,
    offer_kind              TEXT    NOT NULL,
    first_known_at_ms       BIGINT ,
    last_at_ms              BIGINT NOT NULL,
    last_price_at_ms        BIGINT ,
    last_price_minor        BIGINT ,
    last_price_currency     TEXT,
    last_availability_at_ms BIGINT ,
    last_availability       TEXT,
    low_minor               BIGINT ,
    low_currency            TEXT,
    high_minor              BIGINT ,
    high_currency           TEXT,
    PRIMARY KEY (marketplace, asin, offer_kind),
    CHECK ((last_price_minor IS NULL) = (last_price_currency IS NULL)),
    CHECK ((low_minor IS NULL) = (low_currency IS NULL)),
    CHECK ((high_minor IS NULL) = (high_currency IS NULL))
);


-- from 0006_serve_keys_bulk.sql
-- Mandi schema version 6: API keys (stored hashed) with their daily usage, and bulk jobs.

-- An API key belongs to one user; only the SHA-256 of the secret is kept.
CREATE TABLE api_keys (
    id              BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    user_id         BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name            TEXT    NOT NULL,
    scope           TEXT    NOT NULL CHECK (scope IN ('read', 'write', 'admin')),
    prefix          TEXT    NOT NULL,
    secret_hash     TEXT    NOT NULL UNIQUE,
    rate_per_second BIGINT NOT NULL,
    burst           BIGINT NOT NULL,
    created_at_ms   BIGINT NOT NULL,
    revoked_at_ms   BIGINT ,
    last_used_at_ms BIGINT 
);
CREATE INDEX api_keys_by_user ON api_keys (user_id);

-- Requests made with a key, per UTC day.
CREATE TABLE api_key_usage (
    key_id   BIGINT NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
    day      TEXT    NOT NULL,
    requests BIGINT NOT NULL,
    rejected BIGINT NOT NULL,
    PRIMARY KEY (key_id, day)
);

-- A bulk job: many products watched with one rule set.
CREATE TABLE bulk_jobs (
    id            BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    user_id       BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    spec_json     TEXT    NOT NULL,
    total         BIGINT NOT NULL,
    created_at_ms BIGINT NOT NULL,
    finished_at_ms BIGINT 
);
CREATE INDEX bulk_jobs_by_user ON bulk_jobs (user_id, id);

-- One input line of a bulk job and what became of it.
CREATE TABLE bulk_job_items (
    job_id      BIGINT NOT NULL REFERENCES bulk_jobs (id) ON DELETE CASCADE,
    position    BIGINT NOT NULL,
    input       TEXT    NOT NULL,
    marketplace TEXT,
    asin        TEXT,
    status      TEXT    NOT NULL CHECK (status IN ('pending', 'watching', 'already_watched', 'not_found', 'invalid', 'failed')),
    watch_id    BIGINT ,
    detail      TEXT,
    PRIMARY KEY (job_id, position)
);
