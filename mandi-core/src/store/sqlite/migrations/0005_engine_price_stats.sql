-- Running aggregates of each product's price history per offer kind, kept in the same
-- transaction as the points (issue 13: the alert step no longer reads the whole history).
CREATE TABLE price_stats (
    marketplace             TEXT    NOT NULL,
    asin                    TEXT    NOT NULL,
    offer_kind              TEXT    NOT NULL,
    first_known_at_ms       INTEGER,
    last_at_ms              INTEGER NOT NULL,
    last_price_at_ms        INTEGER,
    last_price_minor        INTEGER,
    last_price_currency     TEXT,
    last_availability_at_ms INTEGER,
    last_availability       TEXT,
    low_minor               INTEGER,
    low_currency            TEXT,
    high_minor              INTEGER,
    high_currency           TEXT,
    PRIMARY KEY (marketplace, asin, offer_kind),
    CHECK ((last_price_minor IS NULL) = (last_price_currency IS NULL)),
    CHECK ((low_minor IS NULL) = (low_currency IS NULL)),
    CHECK ((high_minor IS NULL) = (high_currency IS NULL))
) WITHOUT ROWID;

-- Backfill from the history already stored.
INSERT INTO price_stats (marketplace, asin, offer_kind, first_known_at_ms, last_at_ms)
SELECT marketplace, asin, offer_kind,
       MIN(CASE WHEN price_minor IS NOT NULL THEN at_ms END), MAX(at_ms)
FROM price_history
GROUP BY marketplace, asin, offer_kind;

UPDATE price_stats SET
    (last_price_at_ms, last_price_minor, last_price_currency) = (
        SELECT h.at_ms, h.price_minor, h.price_currency FROM price_history h
        WHERE h.marketplace = price_stats.marketplace AND h.asin = price_stats.asin
          AND h.offer_kind = price_stats.offer_kind AND h.price_minor IS NOT NULL
        ORDER BY h.at_ms DESC LIMIT 1),
    (last_availability_at_ms, last_availability) = (
        SELECT h.at_ms, h.availability FROM price_history h
        WHERE h.marketplace = price_stats.marketplace AND h.asin = price_stats.asin
          AND h.offer_kind = price_stats.offer_kind AND h.availability <> 'unknown'
        ORDER BY h.at_ms DESC LIMIT 1),
    (low_minor, low_currency) = (
        SELECT h.price_minor, h.price_currency FROM price_history h
        WHERE h.marketplace = price_stats.marketplace AND h.asin = price_stats.asin
          AND h.offer_kind = price_stats.offer_kind AND h.price_minor IS NOT NULL
        ORDER BY h.price_minor ASC, h.at_ms ASC LIMIT 1),
    (high_minor, high_currency) = (
        SELECT h.price_minor, h.price_currency FROM price_history h
        WHERE h.marketplace = price_stats.marketplace AND h.asin = price_stats.asin
          AND h.offer_kind = price_stats.offer_kind AND h.price_minor IS NOT NULL
        ORDER BY h.price_minor DESC, h.at_ms ASC LIMIT 1);
