-- Issue 15. 容缺受理: a window accepts a case with deferrable materials missing on the
-- applicant's signed undertaking to bring them within a period. What is owed, by when and what
-- arrived are part of the case record: one row per owed material, written at acceptance and
-- completed (arrived_*) when the applicant's supplement brings it; never deleted.
CREATE TABLE case_owed_material (
    case_id        uuid NOT NULL REFERENCES case_record (id),
    material_code  text NOT NULL,
    name           text NOT NULL,
    due_on         date NOT NULL,
    -- When the applicant signed the undertaking (承诺补交), recorded by the accepting window.
    undertaking_at timestamptz NOT NULL,
    accepted_by    uuid REFERENCES officer (id),
    arrived_on     date,
    arrived_at     timestamptz,
    PRIMARY KEY (case_id, material_code)
);

-- The due date while the case still owes anything (NULL once all arrived, or never owed): the
-- state machine's routing and the decision read it from the locked case row.
ALTER TABLE case_record ADD COLUMN owed_due_on date;

-- The owed materials' clock supervision watches like the others.
ALTER TABLE deadline_clock DROP CONSTRAINT deadline_clock_kind_check;
ALTER TABLE deadline_clock ADD CONSTRAINT deadline_clock_kind_check
    CHECK (kind IN ('one_notice', 'promised', 'statutory', 'stage', 'delivery', 'follow_up',
                    'owed_materials'));
