-- A worklist lists a department's open tasks in the order their cases were received. With the
-- case's received time on the task, one index serves that order and a page reads ~50 rows
-- instead of every open task of the department (bench/api.py: the busiest department's page
-- 48 ms -> ~1.5 ms). A case's received time never changes, so the copy never goes stale.
ALTER TABLE review_task ADD COLUMN case_received_at timestamptz;
UPDATE review_task t SET case_received_at = c.received_at FROM case_record c WHERE c.id = t.case_id;
ALTER TABLE review_task ALTER COLUMN case_received_at SET NOT NULL;

-- Filled on insert whatever the path (service code, COPY in benchmarks).
CREATE FUNCTION review_task_case_received_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.case_received_at IS NULL THEN
        SELECT received_at INTO NEW.case_received_at FROM case_record WHERE id = NEW.case_id;
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER review_task_case_received_at
    BEFORE INSERT ON review_task
    FOR EACH ROW EXECUTE FUNCTION review_task_case_received_at();
