-- Government structure: regions (GB/T 2260) in four levels, departments, officers.

CREATE TABLE region (
    code        text PRIMARY KEY CHECK (code ~ '^[0-9]{6}([0-9]{3})?$'),
    name        text NOT NULL CHECK (name <> ''),
    level       text NOT NULL CHECK (level IN ('province', 'city', 'county', 'township')),
    parent_code text REFERENCES region (code),
    -- Codes from the root down to this region itself: subtree filters become
    -- `lineage @> ARRAY[code]` (GIN) and ancestors are read without recursion.
    lineage     text[] NOT NULL,
    CHECK ((level = 'province') = (parent_code IS NULL)),
    CHECK (lineage[array_length(lineage, 1)] = code)
);
CREATE INDEX region_parent_idx ON region (parent_code);
CREATE INDEX region_lineage_idx ON region USING gin (lineage);

CREATE TABLE department (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    code        text NOT NULL UNIQUE CHECK (code <> ''),
    name        text NOT NULL CHECK (name <> ''),
    region_code text NOT NULL REFERENCES region (code),
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX department_region_idx ON department (region_code);

CREATE TABLE officer (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    username      text NOT NULL UNIQUE CHECK (username <> ''),
    name          text NOT NULL,
    department_id uuid NOT NULL REFERENCES department (id),
    roles         text[] NOT NULL
                  CHECK (roles <@ ARRAY['intake', 'reviewer', 'head', 'supervisor', 'admin']::text[]
                         AND cardinality(roles) > 0),
    -- 0 public, 1 internal, 2 sensitive, 3 secret: the highest confidentiality the officer may see.
    clearance     smallint NOT NULL DEFAULT 1 CHECK (clearance BETWEEN 0 AND 3),
    mobile        text,
    email         text,
    active        boolean NOT NULL DEFAULT true,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX officer_department_idx ON officer (department_id);
