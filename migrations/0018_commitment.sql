-- Issue 15. 告知承诺制: for a matter the catalogue marks, the applicant commits in writing to the
-- conditions they were told, the case is approved at once without the proofs the commitment
-- replaces, and the handling department verifies afterwards within a set period
-- (事中事后核查). A false commitment revokes the approval and leaves a credit record (失信记录).

-- The terms belong to a version (what the applicant was shown stays what was published):
-- {"conditions": 告知内容, "replaces": [material codes] or null for all,
--  "verification_days": working days or null for TONGBAN_COMMITMENT_VERIFICATION_DAYS}.
-- NULL: the matter does not allow a commitment.
ALTER TABLE matter_version ADD COLUMN commitment jsonb;

-- The applicant's commitment on the case: the hash of the conditions they signed and when.
ALTER TABLE case_record
    ADD COLUMN commitment_conditions_hash text CHECK (commitment_conditions_hash ~ '^[0-9a-f]{64}$'),
    ADD COLUMN committed_at timestamptz,
    ADD COLUMN verification_outcome text CHECK (verification_outcome IN ('passed', 'failed')),
    ADD COLUMN verified_at timestamptz,
    ADD CONSTRAINT commitment_signed_when
        CHECK ((commitment_conditions_hash IS NULL) = (committed_at IS NULL)),
    ADD CONSTRAINT verification_of_a_commitment
        CHECK (verification_outcome IS NULL OR committed_at IS NOT NULL);

-- The verification is a task of the handling department with its own clock.
ALTER TABLE review_task DROP CONSTRAINT review_task_kind_check,
    ADD CONSTRAINT review_task_kind_check
        CHECK (kind IN ('review', 'follow_up', 'verification'));
ALTER TABLE deadline_clock DROP CONSTRAINT deadline_clock_kind_check,
    ADD CONSTRAINT deadline_clock_kind_check
        CHECK (kind IN ('one_notice', 'promised', 'statutory', 'stage', 'delivery', 'follow_up',
                        'verification', 'owed_materials'));  -- 0017's kind kept

-- 失信记录: what a failed verification found, on the applicant, kept whatever happens to the
-- case afterwards (append-only: a record is corrected by a new one, never edited).
CREATE TABLE credit_record (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    applicant_id  uuid NOT NULL REFERENCES applicant (id),
    case_id       uuid NOT NULL REFERENCES case_record (id),
    kind          text NOT NULL CHECK (kind IN ('false_commitment')),
    findings      text NOT NULL CHECK (findings <> ''),
    department_id uuid NOT NULL REFERENCES department (id),
    recorded_by   uuid REFERENCES officer (id),
    recorded_at   timestamptz NOT NULL,
    recorded_on   date NOT NULL
);
CREATE INDEX credit_record_applicant_idx ON credit_record (applicant_id, recorded_at DESC);
CREATE INDEX credit_record_case_idx ON credit_record (case_id);
