-- Issue 15. The matter guide (办事指南): legal basis, conditions, channels, steps, fees, phones
-- and result, kept with the version like the materials and the review plan, so a published
-- version (and every case pinned to it) keeps the guide it was published with; the immutability
-- trigger of 0002 covers it. One jsonb document decoded into catalogue.types.MatterGuide rather
-- than a dozen columns and child tables: it is always read and written whole with its version,
-- its lists are ordered and nested (fee items with their basis), and the struct is the one
-- place its shape is defined. NULL for versions published before guides existed.
ALTER TABLE matter_version
    ADD COLUMN guide jsonb,
    -- The guide's words the catalogue search matches (conditions, legal basis, result …),
    -- written from the same struct in the same statement as the guide.
    ADD COLUMN guide_text text NOT NULL DEFAULT '';

-- Keywords are Chinese substrings, as for matter names (0014): a trigram index. Built inside
-- the transaction rather than concurrently: only administrators write matter_version, rarely,
-- and building the index blocks their writes briefly, never reads.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX matter_version_guide_text_trgm_idx
    ON matter_version USING gin (guide_text gin_trgm_ops);
