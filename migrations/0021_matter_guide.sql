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

-- The public search reads only the version in force: one row per published matter with the
-- words a keyword may match (code, name, description, guide), replaced when a version is
-- published. Beside matter_version rather than in it because published versions never change
-- while what is searched moves with current_version, and so that one trigram index serves the
-- whole keyword (an OR over several columns and tables would read every matter).
CREATE TABLE matter_search (
    matter_id uuid PRIMARY KEY REFERENCES matter (id),
    text      text NOT NULL
);
INSERT INTO matter_search (matter_id, text)
SELECT m.id, concat_ws(E'\n', m.code, v.name, v.description, v.guide_text)
FROM matter m JOIN matter_version v ON v.matter_id = m.id AND v.version = m.current_version;

-- Keywords are Chinese substrings, as for matter names (0014): a trigram index. Built inside
-- the transaction rather than concurrently: the table is new, and only publishing writes it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX matter_search_text_trgm_idx ON matter_search USING gin (text gin_trgm_ops);
