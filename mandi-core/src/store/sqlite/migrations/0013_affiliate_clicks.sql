-- Mandi schema: affiliate click tracking (issue 21). A click target is what a `/r/<token>`
-- redirect stands for; only the SHA-256 of the token is kept.
CREATE TABLE click_targets (
    id              INTEGER PRIMARY KEY,
    token_hash      TEXT    NOT NULL UNIQUE,
    user_id         INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    source_kind     TEXT    NOT NULL,
    source_alert_id INTEGER,
    source_query    TEXT,
    marketplace     TEXT    NOT NULL,
    asin            TEXT    NOT NULL,
    variant         TEXT,
    link_format     TEXT    NOT NULL,
    created_at_ms   INTEGER NOT NULL
);
CREATE TABLE affiliate_clicks (
    id        INTEGER PRIMARY KEY,
    target_id INTEGER NOT NULL REFERENCES click_targets (id) ON DELETE CASCADE,
    at_ms     INTEGER NOT NULL
);
CREATE INDEX affiliate_clicks_by_time ON affiliate_clicks (at_ms, id);
-- Rows imported from the Associates orders and earnings reports, attributed to a click
-- (and its user) when one matches. import_key makes a re-import add nothing.
CREATE TABLE affiliate_orders (
    id              INTEGER PRIMARY KEY,
    import_key      TEXT    NOT NULL UNIQUE,
    kind            TEXT    NOT NULL,
    marketplace     TEXT    NOT NULL,
    asin            TEXT    NOT NULL,
    tracking_id     TEXT    NOT NULL,
    category        TEXT    NOT NULL,
    title           TEXT    NOT NULL,
    day             TEXT    NOT NULL,
    quantity        INTEGER NOT NULL,
    returns         INTEGER NOT NULL,
    price_minor     INTEGER NOT NULL,
    revenue_minor   INTEGER NOT NULL,
    fees_minor      INTEGER NOT NULL,
    currency        TEXT    NOT NULL,
    click_target_id INTEGER REFERENCES click_targets (id) ON DELETE SET NULL,
    user_id         INTEGER REFERENCES users (id) ON DELETE SET NULL
);
CREATE INDEX affiliate_orders_by_day ON affiliate_orders (day, id);
