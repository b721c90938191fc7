-- Mandi schema version 10: each alert keeps what its card shows (MRP, 90-day average, deal
-- score and verdict), computed once by the alert step when the alert fired, as JSON
-- (`AlertCard`). NULL for alerts stored before: the card is then computed from the history.
ALTER TABLE alerts ADD COLUMN card_json TEXT;
