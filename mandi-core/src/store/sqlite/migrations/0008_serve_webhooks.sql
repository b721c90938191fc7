-- Mandi schema version 7: webhook subscriptions for alerts (REST API), the deliveries made
-- to them, and admin dashboard sessions.

-- A user's alerts are POSTed to `url`, signed with `secret` (needed in clear to sign).
CREATE TABLE webhook_subscriptions (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    url           TEXT    NOT NULL,
    secret        TEXT    NOT NULL,
    created_at_ms INTEGER NOT NULL
);
CREATE INDEX webhook_subscriptions_by_user ON webhook_subscriptions (user_id, id);

-- Which subscription received which delivery (by idempotency key): a retried outbox row
-- skips the subscriptions it already reached.
CREATE TABLE webhook_deliveries (
    idempotency_key TEXT    NOT NULL,
    subscription_id INTEGER NOT NULL REFERENCES webhook_subscriptions (id) ON DELETE CASCADE,
    delivered_at_ms INTEGER NOT NULL,
    PRIMARY KEY (idempotency_key, subscription_id)
);
CREATE INDEX webhook_deliveries_by_subscription ON webhook_deliveries (subscription_id);

-- Admin dashboard sessions; only the SHA-256 of the cookie's session id is kept.
CREATE TABLE admin_sessions (
    id_hash       TEXT    PRIMARY KEY,
    created_at_ms INTEGER NOT NULL,
    expires_at_ms INTEGER NOT NULL
);
CREATE INDEX admin_sessions_by_expiry ON admin_sessions (expires_at_ms);
