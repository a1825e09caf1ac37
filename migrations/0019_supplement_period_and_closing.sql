-- Issue 15. 补正期限 and closing a case (终止办理).
-- A matter version may set its own supplement period (working days); NULL takes the platform's
-- TONGBAN_SUPPLEMENT_PERIOD_DAYS. A notice keeps the period and due date it was sent with.
ALTER TABLE matter_version
    ADD COLUMN supplement_period_days integer CHECK (supplement_period_days > 0);

ALTER TABLE supplement_notice
    ADD COLUMN period_days integer CHECK (period_days > 0),
    ADD COLUMN due_on date;

-- Each requested material of a notice, and when it arrived: a supplement may come in parts,
-- and the notice is fulfilled (the clock moves on) only when every one of them is in.
CREATE TABLE supplement_material (
    notice_id     uuid NOT NULL REFERENCES supplement_notice (id),
    material_code text NOT NULL,
    position      integer NOT NULL,
    arrived_at    timestamptz,
    arrived_on    date,
    PRIMARY KEY (notice_id, material_code)
);

INSERT INTO supplement_material (notice_id, material_code, position, arrived_at, arrived_on)
SELECT n.id, m.code, m.ord, n.fulfilled_at, n.fulfilled_on
FROM supplement_notice n, unnest(n.material_codes) WITH ORDINALITY AS m(code, ord);

-- What closing needs to know without another query: until when the open supplement runs, and
-- which special procedure pauses the case (an applicant absent from a hearing closes it).
ALTER TABLE case_record
    ADD COLUMN supplement_due_on date,
    ADD COLUMN special_procedure_kind text;
