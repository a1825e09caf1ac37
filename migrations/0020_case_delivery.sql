-- 送达 (Administrative Licensing Law Art. 44): how the result reached the applicant. One record
-- per case (the state machine delivers once); written in the transaction that moves the case to
-- `delivered`. A postal delivery names its carrier and tracking number; the proof (a signed
-- receipt scan, a post receipt) is kept in the blob store like materials, with its fingerprint.
-- An electronic delivery names the decision document whose link the applicant was sent.
CREATE TABLE case_delivery (
    id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    case_id              uuid NOT NULL UNIQUE REFERENCES case_record (id),
    method               text NOT NULL CHECK (method IN ('window', 'post', 'electronic')),
    recipient_name       text NOT NULL CHECK (recipient_name <> ''),
    recipient_is_agent   boolean NOT NULL DEFAULT false,
    carrier              text,
    tracking_number      text,
    decision_document_id uuid REFERENCES case_decision_document (id),
    proof_file_name      text,
    proof_content_type   text,
    proof_size           bigint CHECK (proof_size >= 0),
    proof_sha256         text CHECK (proof_sha256 ~ '^[0-9a-f]{64}$'),
    proof_blob_key       text,
    delivered_at         timestamptz NOT NULL,
    delivered_by         uuid NOT NULL REFERENCES officer (id),
    delivered_by_name    text NOT NULL,
    recorded_at          timestamptz NOT NULL,
    CHECK ((method = 'post') = (carrier IS NOT NULL AND tracking_number IS NOT NULL)),
    CHECK ((method = 'electronic') = (decision_document_id IS NOT NULL)),
    CHECK ((proof_blob_key IS NULL) = (proof_sha256 IS NULL)
           AND (proof_blob_key IS NULL) = (proof_file_name IS NULL)
           AND (proof_blob_key IS NULL) = (proof_size IS NULL)
           AND (proof_blob_key IS NULL) = (proof_content_type IS NULL)),
    CHECK (delivered_at <= recorded_at)
);
