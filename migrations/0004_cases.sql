-- Applicants, the one case record (办件) shared by every level, its review tasks, materials,
-- supplements, special procedures, its append-only history and the outbox.

CREATE TABLE applicant (
    id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    kind                 text NOT NULL CHECK (kind IN ('person', 'organisation')),
    name                 text NOT NULL CHECK (name <> ''),
    id_number            text UNIQUE,
    credit_code          text UNIQUE,
    legal_representative text,
    contact_name         text,
    mobile               text,
    email                text,
    channels             text[] NOT NULL DEFAULT '{sms}'
                         CHECK (channels <@ ARRAY['sms', 'email']::text[]),
    created_at           timestamptz NOT NULL DEFAULT now(),
    CHECK ((kind = 'person') = (id_number IS NOT NULL)),
    CHECK ((kind = 'organisation') = (credit_code IS NOT NULL))
);

-- Daily sequence per region for unified case numbers; the row lock serialises allocation.
CREATE TABLE case_number_sequence (
    region_code text NOT NULL,
    day         date NOT NULL,
    last        integer NOT NULL,
    PRIMARY KEY (region_code, day)
);

CREATE TABLE case_record (
    id                     uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    number                 text NOT NULL UNIQUE,
    matter_id              uuid NOT NULL,
    matter_version         integer NOT NULL,
    applicant_id           uuid NOT NULL REFERENCES applicant (id),
    submitted_by           text NOT NULL,
    idempotency_key        text NOT NULL,
    request_hash           text NOT NULL,
    receiving_region       text NOT NULL REFERENCES region (code),
    receiving_lineage      text[] NOT NULL,
    handling_region        text NOT NULL REFERENCES region (code),
    handling_lineage       text[] NOT NULL,
    handling_department_id uuid NOT NULL REFERENCES department (id),
    state                  text NOT NULL,
    confidentiality        smallint NOT NULL CHECK (confidentiality BETWEEN 0 AND 3),
    form_data              jsonb NOT NULL DEFAULT '{}',
    received_at            timestamptz NOT NULL,
    received_on            date NOT NULL,
    accepted_on            date,
    decided_at             timestamptz,
    current_stage          integer,
    review_round           integer NOT NULL DEFAULT 0,
    supplement_count       integer NOT NULL DEFAULT 0,
    extension_days         integer,
    extension_reason       text,
    decision               text CHECK (decision IN ('approved', 'approved_deferred', 'denied')),
    decision_reason        text,
    result_number          text,
    delivered_at           timestamptz,
    rating                 smallint CHECK (rating BETWEEN 1 AND 5),
    rating_comment         text,
    terminal_reason        text,
    competent_agency       text,
    version                integer NOT NULL DEFAULT 1,
    created_at             timestamptz NOT NULL DEFAULT now(),
    updated_at             timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (matter_id, matter_version) REFERENCES matter_version (matter_id, version),
    -- A retried submission finds the first one instead of creating a second case.
    UNIQUE (submitted_by, idempotency_key)
);
CREATE INDEX case_record_applicant_idx ON case_record (applicant_id, received_at DESC);
CREATE INDEX case_record_receiving_idx ON case_record (receiving_region);
CREATE INDEX case_record_handling_dept_idx ON case_record (handling_department_id);
CREATE INDEX case_record_receiving_lineage_idx ON case_record USING gin (receiving_lineage);
CREATE INDEX case_record_handling_lineage_idx ON case_record USING gin (handling_lineage);
CREATE INDEX case_record_received_idx ON case_record (received_at, id);

CREATE TABLE review_task (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    case_id       uuid NOT NULL REFERENCES case_record (id),
    kind          text NOT NULL DEFAULT 'review' CHECK (kind IN ('review', 'follow_up')),
    stage_index   integer,
    stage_name    text NOT NULL,
    position      integer NOT NULL DEFAULT 0,
    round         integer NOT NULL DEFAULT 0,
    department_id uuid NOT NULL REFERENCES department (id),
    -- waiting: a later department of a sequential stage; open: can be claimed.
    state         text NOT NULL CHECK (state IN ('waiting', 'open', 'claimed', 'completed', 'cancelled')),
    claimed_by    uuid REFERENCES officer (id),
    opinion       text CHECK (opinion IN ('agree', 'agree_with_conditions', 'disagree')),
    comment       text,
    completed_by  uuid REFERENCES officer (id),
    created_at    timestamptz NOT NULL DEFAULT now(),
    opened_at     timestamptz,
    completed_at  timestamptz,
    due_on        date
);
CREATE INDEX review_task_case_idx ON review_task (case_id);
CREATE INDEX review_task_department_idx ON review_task (department_id, state);

CREATE TABLE case_material (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    case_id       uuid NOT NULL REFERENCES case_record (id),
    material_code text,
    name          text NOT NULL,
    size          bigint NOT NULL CHECK (size >= 0),
    content_type  text NOT NULL,
    sha256        text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    blob_key      text NOT NULL,
    phase         text NOT NULL CHECK (phase IN ('submission', 'supplement')),
    uploaded_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX case_material_case_idx ON case_material (case_id);

CREATE TABLE supplement_notice (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    case_id        uuid NOT NULL REFERENCES case_record (id),
    phase          text NOT NULL CHECK (phase IN ('intake', 'review')),
    material_codes text[] NOT NULL CHECK (cardinality(material_codes) > 0),
    note           text NOT NULL DEFAULT '',
    requested_by   uuid NOT NULL REFERENCES officer (id),
    requested_at   timestamptz NOT NULL DEFAULT now(),
    requested_on   date NOT NULL,
    fulfilled_at   timestamptz,
    fulfilled_on   date
);
CREATE INDEX supplement_notice_case_idx ON supplement_notice (case_id);

CREATE TABLE special_procedure (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    case_id       uuid NOT NULL REFERENCES case_record (id),
    kind          text NOT NULL CHECK (kind IN ('hearing', 'tendering', 'auction', 'testing',
                                                'inspection', 'quarantine', 'appraisal',
                                                'expert_review')),
    expected_days integer NOT NULL CHECK (expected_days > 0),
    reason        text NOT NULL,
    started_by    uuid NOT NULL REFERENCES officer (id),
    started_at    timestamptz NOT NULL DEFAULT now(),
    started_on    date NOT NULL,
    ended_at      timestamptz,
    ended_on      date
);
CREATE INDEX special_procedure_case_idx ON special_procedure (case_id);

CREATE TABLE case_event (
    seq            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id             uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
    case_id        uuid NOT NULL REFERENCES case_record (id),
    case_version   integer NOT NULL,
    action         text NOT NULL,
    actor_kind     text NOT NULL,
    actor_id       text,
    actor_name     text NOT NULL DEFAULT '',
    actor_roles    text[] NOT NULL DEFAULT '{}',
    actor_department_id uuid,
    reason         text,
    changes        jsonb NOT NULL DEFAULT '{}',
    payload        jsonb NOT NULL DEFAULT '{}',
    occurred_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX case_event_case_idx ON case_event (case_id, seq);

-- The history is append-only: nothing rewrites what happened.
CREATE FUNCTION case_event_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'case history is append-only' USING ERRCODE = 'integrity_constraint_violation';
END;
$$;
CREATE TRIGGER case_event_append_only
    BEFORE UPDATE OR DELETE ON case_event
    FOR EACH ROW EXECUTE FUNCTION case_event_append_only();

-- Written in the same transaction as the change; published after commit by the relay.
CREATE TABLE outbox (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id     uuid NOT NULL REFERENCES case_event (id),
    case_id      uuid NOT NULL,
    topic        text NOT NULL,
    payload      jsonb NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    published_at timestamptz
);
CREATE INDEX outbox_unpublished_idx ON outbox (id) WHERE published_at IS NULL;
