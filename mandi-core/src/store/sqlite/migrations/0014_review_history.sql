-- Review history: a product's rating and review count each time either changed, so a
-- sudden jump in the count with a flat rating can be shown as a caution (issue 19).
CREATE TABLE review_history (
    marketplace  TEXT    NOT NULL,
    asin         TEXT    NOT NULL,
    at_ms        INTEGER NOT NULL,
    rating_centi INTEGER NOT NULL,
    review_count INTEGER NOT NULL,
    PRIMARY KEY (marketplace, asin, at_ms),
    FOREIGN KEY (marketplace, asin) REFERENCES products (marketplace, asin) ON DELETE CASCADE
);
