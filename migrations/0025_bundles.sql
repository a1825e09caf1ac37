-- Issue 16. 一件事一次办: a bundle of matters applied for at once. The catalogue keeps bundles
-- versioned like matters (a published version never changes; an application pins the version
-- it was filed under); its spec (items with their dependencies, the merged material list, the
-- promised limit and the lead department) is one jsonb document decoded into
-- bundles.types.BundleSpec, always read and written whole with its version.
CREATE TABLE bundle (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    code            text NOT NULL UNIQUE CHECK (code ~ '^[A-Za-z0-9_-]{2,64}$'),
    current_version integer,
    created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE bundle_version (
    bundle_id          uuid NOT NULL REFERENCES bundle (id),
    version            integer NOT NULL CHECK (version > 0),
    lead_department_id uuid NOT NULL REFERENCES department (id),
    spec               jsonb NOT NULL,
    published_at       timestamptz NOT NULL,
    published_by       uuid REFERENCES officer (id),
    PRIMARY KEY (bundle_id, version)
);

ALTER TABLE bundle
    ADD CONSTRAINT bundle_current_version_fk
    FOREIGN KEY (id, current_version) REFERENCES bundle_version (bundle_id, version)
    DEFERRABLE INITIALLY DEFERRED;

CREATE FUNCTION bundle_version_immutable() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'bundle % version % is published and cannot change',
        OLD.bundle_id, OLD.version USING ERRCODE = 'integrity_constraint_violation';
END;
$$;
CREATE TRIGGER bundle_version_immutable
    BEFORE UPDATE OR DELETE ON bundle_version
    FOR EACH ROW EXECUTE FUNCTION bundle_version_immutable();

-- The parent record of one bundle application; its items are ordinary cases (case_record
-- rows pointing here), each with its own number, pinned matter version and clocks. Its state
-- is computed from its cases, never stored: there is one truth.
CREATE TABLE bundle_application (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    bundle_id       uuid NOT NULL,
    bundle_version  integer NOT NULL,
    applicant_id    uuid NOT NULL REFERENCES applicant (id),
    submitted_by    text NOT NULL,
    idempotency_key text NOT NULL,
    request_hash    text NOT NULL,
    receiving_region text NOT NULL REFERENCES region (code),
    received_at     timestamptz NOT NULL,
    received_on     date NOT NULL,
    FOREIGN KEY (bundle_id, bundle_version) REFERENCES bundle_version (bundle_id, version),
    UNIQUE (submitted_by, idempotency_key)
);
CREATE INDEX bundle_application_applicant_idx ON bundle_application (applicant_id);

ALTER TABLE case_record
    ADD COLUMN bundle_application_id uuid REFERENCES bundle_application (id),
    ADD COLUMN bundle_position integer;
CREATE INDEX case_record_bundle_idx ON case_record (bundle_application_id)
    WHERE bundle_application_id IS NOT NULL;
