-- Mandi schema: community (issue 21). Deals users share (checked against the source before
-- they are shown, rejected ones kept with their reason), one vote per user per deal,
-- referrals (a user is referred at most once), and the groups and channels following a
-- category's deals with what was posted to them.
CREATE TABLE shared_deals (
    id            INTEGER PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    marketplace   TEXT    NOT NULL,
    asin          TEXT    NOT NULL,
    title         TEXT    NOT NULL,
    price_minor   INTEGER,
    claimed_minor INTEGER,
    currency      TEXT    NOT NULL,
    score         INTEGER,
    status        TEXT    NOT NULL,
    reason        TEXT,
    created_at_ms INTEGER NOT NULL
);
CREATE INDEX shared_deals_by_time ON shared_deals (created_at_ms, id);
CREATE INDEX shared_deals_by_user ON shared_deals (user_id, created_at_ms);
CREATE TABLE deal_votes (
    deal_id  INTEGER NOT NULL REFERENCES shared_deals (id) ON DELETE CASCADE,
    voter_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    vote     INTEGER NOT NULL,
    at_ms    INTEGER NOT NULL,
    PRIMARY KEY (deal_id, voter_id)
);
CREATE TABLE referrals (
    referred_id INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    referrer_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    at_ms       INTEGER NOT NULL
);
CREATE INDEX referrals_by_referrer ON referrals (referrer_id);
CREATE TABLE group_subscriptions (
    chat_user_id  INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    node_id       TEXT    NOT NULL,
    node_name     TEXT    NOT NULL,
    min_score     INTEGER NOT NULL,
    max_per_hour  INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL,
    PRIMARY KEY (chat_user_id, node_id)
);
CREATE TABLE group_posts (
    chat_user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    marketplace  TEXT    NOT NULL,
    asin         TEXT    NOT NULL,
    deal_id      INTEGER REFERENCES shared_deals (id) ON DELETE SET NULL,
    score        INTEGER NOT NULL,
    at_ms        INTEGER NOT NULL,
    PRIMARY KEY (chat_user_id, marketplace, asin)
);
CREATE INDEX group_posts_by_time ON group_posts (chat_user_id, at_ms);
