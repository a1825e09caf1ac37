-- tongban:no-transaction
-- Built concurrently: review tasks are written all day. Serves the default worklist (open and
-- claimed tasks in received order) straight from the index, stopping after a page.
CREATE INDEX CONCURRENTLY IF NOT EXISTS review_task_worklist_idx
    ON review_task (department_id, case_received_at, id) WHERE state IN ('open', 'claimed');
