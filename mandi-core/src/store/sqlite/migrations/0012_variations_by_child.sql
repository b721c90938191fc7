-- The parents of a product, looked up by child for every price observation (which watches
-- follow this product): an index instead of a scan of every variation of the marketplace.
CREATE INDEX IF NOT EXISTS variations_by_child ON variations (marketplace, child_asin);
