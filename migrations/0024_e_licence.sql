-- Electronic licences (电子证照, issue #16): what an approval issues — type, holder, number,
-- issuing department, validity — with the PDF the holder keeps and a detached Ed25519
-- signature over its SHA-256, so anyone holding the number and the document can verify it.
-- A licence is reused as a material of later cases (免提交): the case's material row then links
-- the licence instead of an upload.

ALTER TABLE matter_version ADD COLUMN licence jsonb;

CREATE TABLE e_licence (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    -- <type code>-<case number>: a case issues at most one licence, and case numbers are
    -- unique across all levels; the decision's own document number is kept beside it.
    number              text NOT NULL UNIQUE CHECK (number <> ''),
    type_code           text NOT NULL CHECK (type_code <> ''),
    type_name           text NOT NULL CHECK (type_name <> ''),
    holder_applicant_id uuid NOT NULL REFERENCES applicant (id),
    holder_kind         text NOT NULL CHECK (holder_kind IN ('person', 'organisation')),
    holder_id_number    text,
    holder_credit_code  text,
    holder_name         text NOT NULL,
    department_id       uuid NOT NULL REFERENCES department (id),
    issuer_name         text NOT NULL,
    case_id             uuid NOT NULL UNIQUE REFERENCES case_record (id),
    result_number       text,
    issued_on           date NOT NULL,
    valid_from          date NOT NULL,
    -- NULL: long-term (长期).
    valid_until         date,
    -- 'expired' is not stored: it follows from valid_until on the platform clock.
    status              text NOT NULL DEFAULT 'valid' CHECK (status IN ('valid', 'revoked')),
    revoked_at          timestamptz,
    revoked_reason      text,
    blob_key            text NOT NULL,
    sha256              text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    size                bigint NOT NULL CHECK (size >= 0),
    signature           text NOT NULL,
    key_id              text NOT NULL,
    issued_at           timestamptz NOT NULL,
    CHECK ((status = 'revoked') = (revoked_at IS NOT NULL)),
    CHECK (valid_until IS NULL OR valid_until >= valid_from)
);
CREATE INDEX e_licence_holder_idx ON e_licence (holder_applicant_id, type_code);
CREATE INDEX e_licence_department_idx ON e_licence (department_id);

-- Nullable without a default: no rewrite of the table. No index on it: nothing looks a case
-- up by the licence it links, and building one would lock case_material's writes.
ALTER TABLE case_material ADD COLUMN licence_id uuid REFERENCES e_licence (id);
