-- The signed decision document (决定书) a head uploads when deciding a case: one per case, kept
-- in the blob store like materials and handed out through the same short-lived signed links.
-- Only PDF is accepted: it is the document the applicant keeps, and it must print the same
-- everywhere.
CREATE TABLE case_decision_document (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    case_id      uuid NOT NULL UNIQUE REFERENCES case_record (id),
    file_name    text NOT NULL,
    size         bigint NOT NULL CHECK (size >= 0),
    content_type text NOT NULL CHECK (content_type = 'application/pdf'),
    sha256       text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    blob_key     text NOT NULL,
    uploaded_at  timestamptz NOT NULL DEFAULT now()
);
