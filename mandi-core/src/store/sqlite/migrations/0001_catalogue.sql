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
    fetched_at_ms             INTEGER NOT NULL,
    PRIMARY KEY (marketplace, asin)
);
CREATE INDEX products_by_parent ON products (marketplace, parent_asin);

-- The current offers of a product, replaced on every save; `position` keeps their order.
CREATE TABLE offers (
    marketplace          TEXT    NOT NULL,
    asin                 TEXT    NOT NULL,
    position             INTEGER NOT NULL,
    listing_id           TEXT,
    price_minor          INTEGER,
    price_currency       TEXT,
    list_price_minor     INTEGER,
    list_price_currency  TEXT,
    savings_minor        INTEGER,
    savings_currency     TEXT,
    savings_percent      INTEGER,
    merchant_id          TEXT,
    merchant_name        TEXT,
    fulfilled_by_amazon  INTEGER NOT NULL,
    condition            TEXT    NOT NULL,
    is_buy_box_winner    INTEGER NOT NULL,
    has_deal             INTEGER NOT NULL,
    deal_badge           TEXT,
    deal_access_type     TEXT,
    deal_starts_at_ms    INTEGER,
    deal_ends_at_ms      INTEGER,
    deal_percent_claimed INTEGER,
    availability         TEXT    NOT NULL,
    availability_message TEXT,
    loyalty_points       INTEGER,
    PRIMARY KEY (marketplace, asin, position),
    FOREIGN KEY (marketplace, asin) REFERENCES products (marketplace, asin) ON DELETE CASCADE,
    CHECK ((price_minor IS NULL) = (price_currency IS NULL)),
    CHECK ((list_price_minor IS NULL) = (list_price_currency IS NULL)),
    CHECK ((savings_minor IS NULL) = (savings_currency IS NULL))
);

CREATE TABLE customer_reviews (
    marketplace  TEXT    NOT NULL,
    asin         TEXT    NOT NULL,
    rating_centi INTEGER NOT NULL,
    review_count INTEGER NOT NULL,
    PRIMARY KEY (marketplace, asin),
    FOREIGN KEY (marketplace, asin) REFERENCES products (marketplace, asin) ON DELETE CASCADE
);

-- Browse (category) nodes as last seen; children as JSON [{id, name}].
CREATE TABLE browse_nodes (
    marketplace       TEXT    NOT NULL,
    id                TEXT    NOT NULL,
    name              TEXT    NOT NULL,
    context_free_name TEXT,
    is_root           INTEGER NOT NULL,
    children_json     TEXT    NOT NULL DEFAULT '[]',
    PRIMARY KEY (marketplace, id)
);

-- A node's ancestor chain; depth 1 is the parent, 2 the grand-parent…
CREATE TABLE browse_node_ancestry (
    marketplace   TEXT    NOT NULL,
    node_id       TEXT    NOT NULL,
    depth         INTEGER NOT NULL,
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
    position    INTEGER NOT NULL,
    node_id     TEXT    NOT NULL,
    sales_rank  INTEGER,
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
    id                  INTEGER PRIMARY KEY,
    marketplace         TEXT    NOT NULL,
    asin                TEXT    NOT NULL,
    offer_kind          TEXT    NOT NULL,
    at_ms               INTEGER NOT NULL,
    price_minor         INTEGER,
    price_currency      TEXT,
    list_price_minor    INTEGER,
    list_price_currency TEXT,
    availability        TEXT    NOT NULL,
    deal_badge          TEXT,
    origin              TEXT    NOT NULL,
    UNIQUE (marketplace, asin, offer_kind, at_ms),
    CHECK ((price_minor IS NULL) = (price_currency IS NULL)),
    CHECK ((list_price_minor IS NULL) = (list_price_currency IS NULL))
);
CREATE INDEX price_history_by_time ON price_history (marketplace, asin, at_ms);
