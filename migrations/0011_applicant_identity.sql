-- Applicants who sign in through the province's identity provider (统一身份认证): their record
-- is created from the first verified token and their contact details follow what the provider
-- verified. A person's record changes only through such a verified source, and every change is
-- kept here (who, when, from what to what), append-only.
CREATE TABLE applicant_change (
    id           bigserial PRIMARY KEY,
    applicant_id uuid NOT NULL REFERENCES applicant (id),
    changed_at   timestamptz NOT NULL,
    source       text NOT NULL CHECK (source IN ('identity_provider', 'applicant')),
    subject      text NOT NULL,
    before       jsonb NOT NULL,
    after        jsonb NOT NULL
);

CREATE INDEX applicant_change_applicant_idx ON applicant_change (applicant_id, changed_at DESC);
