-- 好差评 rules let the applicant rate again once a bad rating's rectification (差评整改回访) is
-- done. The second rating is kept beside the first, never over it: the first is what the
-- supervision statistics count, the second shows whether the rectification satisfied.
ALTER TABLE case_record
    ADD COLUMN rerating         smallint CHECK (rerating BETWEEN 1 AND 5),
    ADD COLUMN rerating_comment text,
    ADD COLUMN rerated_at       timestamptz,
    ADD CONSTRAINT rerating_after_rating CHECK (rerating IS NULL OR rating IS NOT NULL);
