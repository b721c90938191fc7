-- Mandi's PostgreSQL schema, version 9: review history (the SQLite store's migration
-- 0014_review_history): a product's rating and review count each time either changed.
CREATE TABLE review_history (
    marketplace  TEXT    NOT NULL,
    asin         TEXT    NOT NULL,
    at_ms        BIGINT  NOT NULL,
    rating_centi BIGINT  NOT NULL,
    review_count BIGINT  NOT NULL,
    PRIMARY KEY (marketplace, asin, at_ms),
    FOREIGN KEY (marketplace, asin) REFERENCES products (marketplace, asin) ON DELETE CASCADE
);
