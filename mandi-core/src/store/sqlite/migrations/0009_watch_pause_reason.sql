-- Mandi schema version 9: a watch paused because its user could not be reached (they
-- blocked the bot) says so, so that the "resume all" offered when they come back resumes
-- exactly those watches and none the user paused deliberately (`Store::pause_unreachable`).
-- 1 only while the watch is paused; any other saved state clears it.
ALTER TABLE watches ADD COLUMN paused_unreachable INTEGER NOT NULL DEFAULT 0
    CHECK (paused_unreachable IN (0, 1) AND (paused_unreachable = 0 OR state = 'paused'));
