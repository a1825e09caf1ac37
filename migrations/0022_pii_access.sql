-- Audit of access to applicants' personal data (issue #17): one row each time an officer is
-- shown an unmasked ID number, mobile or e-mail of a case's applicant, or downloads one of its
-- files — who (copied as they were at that moment), when (the platform clock), which case,
-- which fields, how (the channel) and from which request. Masked views write nothing; an
-- applicant reading their own data writes nothing.
--
-- Append-only: the trigger below refuses UPDATE, DELETE and TRUNCATE for every role, the
-- platform's own included, so a record cannot be edited away after the fact. Retention is an
-- operations decision (partition detach under a separate, audited procedure).
CREATE TABLE pii_access (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    -- Append order: breaks ties of `at` (one request's rows share its instant) in pages.
    seq             bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    at              timestamptz NOT NULL,
    officer_id      uuid,
    officer_name    text NOT NULL,
    officer_roles   text[] NOT NULL,
    department_id   uuid,
    -- The accessing officer's region from the root down (their department's region), and the
    -- case's receiving and handling regions: a supervisor sees accesses by officers of their
    -- region subtree and accesses to cases of it.
    officer_lineage text[] NOT NULL,
    case_id         uuid NOT NULL,
    case_number     text NOT NULL,
    applicant_id    uuid NOT NULL,
    case_lineage    text[] NOT NULL,
    fields          text[] NOT NULL CHECK (cardinality(fields) > 0),
    channel         text NOT NULL
                    CHECK (channel IN ('case_view', 'worklist', 'search', 'subscription',
                                       'download', 'export')),
    request_id      text,
    client_address  text
);
CREATE INDEX pii_access_at_idx ON pii_access (at DESC, seq DESC);
CREATE INDEX pii_access_case_idx ON pii_access (case_number, at DESC, seq DESC);
CREATE INDEX pii_access_officer_idx ON pii_access (officer_id, at DESC, seq DESC);
CREATE INDEX pii_access_department_idx ON pii_access (department_id, at DESC, seq DESC);
CREATE INDEX pii_access_officer_lineage_idx ON pii_access USING gin (officer_lineage);
CREATE INDEX pii_access_case_lineage_idx ON pii_access USING gin (case_lineage);

CREATE FUNCTION pii_access_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'pii_access is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER pii_access_no_update_delete
    BEFORE UPDATE OR DELETE ON pii_access
    FOR EACH ROW EXECUTE FUNCTION pii_access_append_only();
CREATE TRIGGER pii_access_no_truncate
    BEFORE TRUNCATE ON pii_access
    FOR EACH STATEMENT EXECUTE FUNCTION pii_access_append_only();
