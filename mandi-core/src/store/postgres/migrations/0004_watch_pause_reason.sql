-- Mandi's PostgreSQL schema, version 4: a watch paused because its user could not be
-- reached (they blocked the bot) says so, so that the "resume all" offered when they come
-- back resumes exactly those watches and none the user paused deliberately (the SQLite
-- store's migration 0009_watch_pause_reason). 1 only while the watch is paused.
ALTER TABLE watches ADD COLUMN paused_unreachable BIGINT NOT NULL DEFAULT 0;
ALTER TABLE watches ADD CONSTRAINT watches_paused_unreachable
    CHECK (paused_unreachable IN (0, 1) AND (paused_unreachable = 0 OR state = 'paused'));
