-- tongban:no-transaction
-- Case-list search (issue 11). Built concurrently: cases and applicants are written all day.
-- Keywords are Chinese substrings ("营业执照" within a matter's name), which a B-tree cannot
-- serve; trigram GIN indexes answer LIKE '%…%' for them (the database's UTF-8 ctype gives
-- CJK characters trigrams). A keyword of three characters or more is found through the index;
-- a two-character one (many names) yields no whole trigram and reads the applicant table — still
-- one statement, and the cases then come by applicant_id.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX CONCURRENTLY IF NOT EXISTS applicant_name_trgm_idx
    ON applicant USING gin (name gin_trgm_ops);
CREATE INDEX CONCURRENTLY IF NOT EXISTS matter_version_name_trgm_idx
    ON matter_version USING gin (name gin_trgm_ops);
-- Officers find a caller by the mobile number they give on the phone.
CREATE INDEX CONCURRENTLY IF NOT EXISTS applicant_mobile_idx ON applicant (mobile);
-- Number prefixes (a region and a day) whatever the collation.
CREATE INDEX CONCURRENTLY IF NOT EXISTS case_record_number_prefix_idx
    ON case_record (number text_pattern_ops);
CREATE INDEX CONCURRENTLY IF NOT EXISTS case_record_decided_idx
    ON case_record (decided_at) WHERE decided_at IS NOT NULL;
