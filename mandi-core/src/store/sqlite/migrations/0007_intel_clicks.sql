-- Mandi schema: the products users opened (issue 18: the user profile learns from them).
CREATE TABLE product_clicks (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    marketplace TEXT    NOT NULL,
    asin        TEXT    NOT NULL,
    at_ms       INTEGER NOT NULL
);
CREATE INDEX product_clicks_by_user ON product_clicks (user_id, at_ms);
