-- Applicants who sign in through the province's identity provider (统一身份认证): their record
-- is created from the first verified token and their contact details follow what the provider
-- verifies. Such changes are audited beside the applicant's own (updateMyContact) in one
-- append-only table; ``source`` says which, so that an applicant's own later choice is not
-- overwritten by a token that merely repeats what the provider verified before.
ALTER TABLE applicant_contact_change
    ADD COLUMN source text NOT NULL DEFAULT 'applicant'
        CHECK (source IN ('applicant', 'identity_provider'));

CREATE INDEX applicant_contact_change_source_idx
    ON applicant_contact_change (applicant_id, source, changed_at DESC, id DESC);
