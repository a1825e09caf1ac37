-- Background exports (issue #17): a case list or a figure table written to CSV or XLSX by the
-- system worker group for one requester. The row is the truth, the arq job only a trigger: a
-- job that runs twice (at-least-once delivery, a worker restart) starts the file over and
-- ends with the same blob; a job for a row already done does nothing.
CREATE TABLE export_job (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    -- Who asked, as the token said at that moment: the job exports with those rights (the
    -- same visibility and masking as the request would have had), and only they (or an
    -- administrator) see the job and its link.
    principal_id text NOT NULL,
    principal    jsonb NOT NULL,
    kind         text NOT NULL
                 CHECK (kind IN ('cases', 'supervision', 'ratings', 'department_ranking',
                                 'matter_ranking')),
    format       text NOT NULL CHECK (format IN ('csv', 'xlsx')),
    filter       jsonb NOT NULL,
    state        text NOT NULL DEFAULT 'queued'
                 CHECK (state IN ('queued', 'running', 'done', 'failed')),
    rows_done    integer NOT NULL DEFAULT 0,
    rows_total   integer,
    blob_key     text,
    error        text,
    -- The request that asked (the personal-data access log names it for the rows exported).
    request_id   text,
    client_address text,
    created_at   timestamptz NOT NULL,
    finished_at  timestamptz,
    CHECK ((state = 'done') = (blob_key IS NOT NULL))
);
CREATE INDEX export_job_principal_idx ON export_job (principal_id, created_at DESC);
