-- Matter catalogue (事项目录): a matter and its versions. A published version never changes;
-- cases pin the version they were filed under.

CREATE TABLE matter (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    code            text NOT NULL UNIQUE CHECK (code ~ '^[A-Za-z0-9_-]{2,64}$'),
    -- The published version in force; NULL until the first publish.
    current_version integer,
    created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE matter_version (
    matter_id        uuid NOT NULL REFERENCES matter (id),
    version          integer NOT NULL CHECK (version > 0),
    name             text NOT NULL CHECK (name <> ''),
    description      text NOT NULL DEFAULT '',
    category         text NOT NULL
                     CHECK (category IN ('00', '01', '02', '03', '04', '05', '06', '07', '08',
                                         '09', '10', '20')),
    case_type        smallint NOT NULL CHECK (case_type IN (1, 2, 9)),
    level            text NOT NULL CHECK (level IN ('province', 'city', 'county', 'township')),
    department_id    uuid NOT NULL REFERENCES department (id),
    statutory_limit  integer NOT NULL CHECK (statutory_limit >= 0),
    promised_limit   integer NOT NULL CHECK (promised_limit >= 0),
    joint_handling   boolean NOT NULL DEFAULT false,
    confidentiality  smallint NOT NULL DEFAULT 0 CHECK (confidentiality BETWEEN 0 AND 3),
    materials        jsonb NOT NULL,
    review_plan      jsonb NOT NULL,
    -- Bumped on every draft edit: the optimistic-concurrency token admins send back.
    revision         integer NOT NULL DEFAULT 1,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    created_by       uuid REFERENCES officer (id),
    published_at     timestamptz,
    published_by     uuid REFERENCES officer (id),
    PRIMARY KEY (matter_id, version),
    CHECK (promised_limit <= statutory_limit)
);
-- At most one draft per matter.
CREATE UNIQUE INDEX matter_version_one_draft_idx ON matter_version (matter_id)
    WHERE published_at IS NULL;

ALTER TABLE matter
    ADD CONSTRAINT matter_current_version_fk
    FOREIGN KEY (id, current_version) REFERENCES matter_version (matter_id, version)
    DEFERRABLE INITIALLY DEFERRED;

-- The database itself refuses to change a published version, whatever the code does.
CREATE FUNCTION matter_version_immutable() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.published_at IS NOT NULL THEN
        RAISE EXCEPTION 'matter % version % is published and cannot change',
            OLD.matter_id, OLD.version
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END;
$$;

CREATE TRIGGER matter_version_immutable
    BEFORE UPDATE OR DELETE ON matter_version
    FOR EACH ROW EXECUTE FUNCTION matter_version_immutable();
