-- Mandi's PostgreSQL schema, version 6: several monitor workers share one database. The
-- watched products are split into 64 buckets by a stable hash of marketplace and ASIN
-- (`lease_bucket` in leases.rs); a worker refreshes only the products of the buckets it
-- leases. A lease has an owner, an expiry renewed by the owner's heartbeat, and a
-- generation bumped on every change of hands: a price update commits only while its
-- worker still holds the product's bucket at the generation it was given (checked with a
-- share lock inside the update's transaction), so a worker whose lease ran out and was
-- taken over can never write a stale rule state or a second alert.
-- (PostgreSQL only: a SQLite database has exactly one monitor, which owns everything.)
CREATE TABLE monitor_leases (
    bucket INTEGER PRIMARY KEY,
    owner TEXT,
    generation BIGINT NOT NULL DEFAULT 0,
    expires_at TIMESTAMPTZ NOT NULL DEFAULT '-infinity'
);
INSERT INTO monitor_leases (bucket) SELECT b FROM generate_series(0, 63) AS b;

-- The workers alive (each renews its row with its heartbeat): the fair share of buckets
-- is 64 divided among those whose row has not expired.
CREATE TABLE monitor_workers (
    owner TEXT PRIMARY KEY,
    seen_until TIMESTAMPTZ NOT NULL
);
