-- Mandi schema version 11: suspect observations held by the data-quality guard
-- (`mandi_core::quality`). A suspect observation is kept here, not in price_points: it adds
-- no price point, so histories, charts, aggregates and analyses never see it. A second read
-- settles it: `confirmed` (its points were then recorded in price_points by the same
-- transaction) or `rejected` (a glitch, kept only here for review).
CREATE TABLE quarantined_observations (
    id INTEGER PRIMARY KEY,
    marketplace TEXT NOT NULL,
    asin TEXT NOT NULL,
    observed_at_ms INTEGER NOT NULL,
    reason TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'confirmed', 'rejected')),
    product_json TEXT NOT NULL,
    settled_at_ms INTEGER,
    UNIQUE (marketplace, asin, observed_at_ms)
);
CREATE INDEX quarantined_observations_pending
    ON quarantined_observations (marketplace, asin) WHERE status = 'pending';
