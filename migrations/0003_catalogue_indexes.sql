-- tongban:no-transaction
-- Built concurrently so that adding them never blocks case intake on a live catalogue.
CREATE INDEX CONCURRENTLY IF NOT EXISTS matter_version_department_idx
    ON matter_version (department_id);
CREATE INDEX CONCURRENTLY IF NOT EXISTS matter_version_category_idx
    ON matter_version (category);
