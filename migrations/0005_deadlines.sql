-- Working-day schedules published by administrators, deadline clocks and supervision warnings.

CREATE TABLE calendar_year (
    year            integer PRIMARY KEY CHECK (year BETWEEN 2000 AND 2100),
    holidays        date[] NOT NULL,
    makeup_workdays date[] NOT NULL,
    published_at    timestamptz NOT NULL DEFAULT now(),
    published_by    uuid REFERENCES officer (id)
);

-- One row per clock: a case's promised and statutory decision clocks, the Art. 32 one-notice
-- timer, a review task's stage limit, the Art. 44 delivery timer, a bad rating's follow-up.
CREATE TABLE deadline_clock (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    case_id         uuid NOT NULL REFERENCES case_record (id),
    task_id         uuid REFERENCES review_task (id),
    kind            text NOT NULL CHECK (kind IN ('one_notice', 'promised', 'statutory', 'stage',
                                                  'delivery', 'follow_up')),
    start_on        date NOT NULL,
    limit_days      integer NOT NULL CHECK (limit_days >= 0),
    extension_days  integer NOT NULL DEFAULT 0,
    -- Closed pauses as [start, end] pairs; an open one in paused_since.
    pauses          jsonb NOT NULL DEFAULT '[]',
    paused_since    date,
    state           text NOT NULL CHECK (state IN ('running', 'paused', 'stopped')),
    stopped_on      date,
    due_on          date,
    -- The next instant something may happen (a warning, an automatic acceptance) and what.
    next_check_at   timestamptz,
    next_level      text,
    -- Bumped whenever the schedule changes: a deferred job carrying an older one does nothing.
    version         integer NOT NULL DEFAULT 1,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX deadline_clock_case_idx ON deadline_clock (case_id);
CREATE INDEX deadline_clock_task_idx ON deadline_clock (task_id);
-- The sweeper's cost follows the number due, not the number open.
CREATE INDEX deadline_clock_due_idx ON deadline_clock (next_check_at)
    WHERE state = 'running' AND next_check_at IS NOT NULL;

CREATE TABLE deadline_warning (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    clock_id    uuid NOT NULL REFERENCES deadline_clock (id),
    case_id     uuid NOT NULL REFERENCES case_record (id),
    level       text NOT NULL CHECK (level IN ('yellow', 'red', 'escalation')),
    due_on      date NOT NULL,
    raised_at   timestamptz NOT NULL DEFAULT now(),
    resolved_at timestamptz,
    -- Raised once per clock, level and deadline: racing workers insert one row.
    UNIQUE (clock_id, level, due_on)
);
CREATE INDEX deadline_warning_open_idx ON deadline_warning (case_id) WHERE resolved_at IS NULL;
