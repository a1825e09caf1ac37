-- tongban:no-transaction
-- Issue 17. Public results (结果公示) and the officers' case search.
-- A matter version says whether the results of its cases are published: the version a case was
-- filed under decides, so applicants were told when they applied. Adding a column with a
-- constant default rewrites nothing and fires no trigger (published versions stay as they were).
ALTER TABLE matter_version ADD COLUMN IF NOT EXISTS public_results boolean NOT NULL DEFAULT false;
-- Built concurrently: cases are written all day.
-- The public list: approved results never confidential, newest decision first. Partial, so it
-- holds only what may be shown; a revoked case leaves it with its state.
CREATE INDEX CONCURRENTLY IF NOT EXISTS case_record_public_result_idx
    ON case_record (decided_at DESC, id DESC)
    WHERE state IN ('approved', 'approved_deferred', 'delivered')
      AND decision IN ('approved', 'approved_deferred') AND confidentiality = 0;
-- Result numbers are searched by any part of them (a year, a serial): trigrams, as for names.
CREATE INDEX CONCURRENTLY IF NOT EXISTS case_record_result_number_trgm_idx
    ON case_record USING gin (result_number gin_trgm_ops) WHERE result_number IS NOT NULL;
-- The colour filter of the case search compares running promised clocks' due dates with the
-- working-day horizon: a range over this index instead of every clock of every case.
CREATE INDEX CONCURRENTLY IF NOT EXISTS deadline_clock_promised_running_idx
    ON deadline_clock (due_on) INCLUDE (case_id, limit_days, extension_days)
    WHERE kind = 'promised' AND state = 'running';
-- A caller's mobile matches the person's own number or the one a window wrote on the case: with
-- this index both sides of that OR are index scans (a BitmapOr), not a walk of every case.
CREATE INDEX CONCURRENTLY IF NOT EXISTS case_record_stated_mobile_idx
    ON case_record (stated_mobile) WHERE stated_mobile IS NOT NULL;
-- Cases of one matter (the matter filter of both searches).
CREATE INDEX CONCURRENTLY IF NOT EXISTS case_record_matter_idx
    ON case_record (matter_id, matter_version);
