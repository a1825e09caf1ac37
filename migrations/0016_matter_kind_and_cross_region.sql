-- Issue 15. What a favourable decision is called (准予行政许可 for a licence, 予以确认 for a
-- confirmation, 准予给付 for a payment …), and the regions whose windows may also receive the
-- matter (跨域通办, 收受分离). Both belong to a version: a published version's notices and
-- intake keep saying what was published.
ALTER TABLE matter_version
    ADD COLUMN matter_kind text NOT NULL DEFAULT 'licence'
        CHECK (matter_kind IN ('licence', 'approval', 'confirmation', 'payment', 'service')),
    ADD COLUMN cross_region_receiving text[] NOT NULL DEFAULT '{}';
