-- tongban:no-transaction
-- 好差评 figures (issue 17) count a rating in the period it was given: the case keeps when.
-- Ratings given before this column existed take the instant of their history event.
ALTER TABLE case_record ADD COLUMN IF NOT EXISTS rated_at timestamptz;
UPDATE case_record c SET rated_at = e.occurred_at
    FROM case_event e
    WHERE e.case_id = c.id AND e.action = 'rated' AND c.rating IS NOT NULL AND c.rated_at IS NULL;
-- Built concurrently: cases are written all day. The figures and rankings read one range of
-- rating instants (a year of the province is most of the table), so the index carries what they
-- group and filter by: an index-only scan, with no visit to the wide case rows.
CREATE INDEX CONCURRENTLY IF NOT EXISTS case_record_rated_idx
    ON case_record (rated_at)
    INCLUDE (handling_department_id, handling_region, matter_id, rating, rerating, handling_lineage)
    WHERE rating IS NOT NULL;
-- Bad ratings (a few in a hundred), for counting their follow-ups without reading the others.
CREATE INDEX CONCURRENTLY IF NOT EXISTS case_record_bad_rating_idx
    ON case_record (rated_at)
    INCLUDE (id, handling_department_id, handling_region, matter_id, rating, handling_lineage)
    WHERE rating >= 4;
-- Bad ratings' follow-ups (a few per hundred cases) and their clocks, without the review tasks
-- and decision clocks every case has.
CREATE INDEX CONCURRENTLY IF NOT EXISTS review_task_follow_up_idx
    ON review_task (case_id) INCLUDE (state) WHERE kind = 'follow_up';
CREATE INDEX CONCURRENTLY IF NOT EXISTS deadline_clock_follow_up_idx
    ON deadline_clock (case_id) INCLUDE (due_on, stopped_on) WHERE kind = 'follow_up';
