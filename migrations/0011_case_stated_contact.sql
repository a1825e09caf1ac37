-- What the person at a window says about the applicant is the filer's statement, kept on the
-- case; it never rewrites the person's record. A filing that named an existing ID number used
-- to overwrite that person's name, mobile and e-mail, and every later SMS about their other
-- cases went to whoever filed (issue 13). Notices about a window-filed case go to the contact
-- stated for that case.
ALTER TABLE case_record
    ADD COLUMN stated_name         text,
    ADD COLUMN stated_contact_name text,
    ADD COLUMN stated_mobile       text,
    ADD COLUMN stated_email        text,
    ADD COLUMN stated_channels     text[]
        CHECK (stated_channels <@ ARRAY['sms', 'email']::text[]);

-- A person's own contact details change only through the person, and each change is kept:
-- who changed what, when, before and after.
CREATE TABLE applicant_contact_change (
    id           bigserial PRIMARY KEY,
    applicant_id uuid NOT NULL REFERENCES applicant (id),
    changed_by   text NOT NULL,
    changed_at   timestamptz NOT NULL,
    before       jsonb NOT NULL,
    after        jsonb NOT NULL
);
CREATE INDEX applicant_contact_change_applicant_idx
    ON applicant_contact_change (applicant_id, changed_at);
