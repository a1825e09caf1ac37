-- Notifications: templates admins publish, and one row per message with its delivery lifecycle.

-- Officers receive deadline warnings; like applicants they choose their channels.
ALTER TABLE officer
    ADD COLUMN channels text[] NOT NULL DEFAULT '{sms,email}'
    CHECK (channels <@ ARRAY['sms', 'email']::text[]);

-- Published versions of a template (per notification type × channel × audience). The newest
-- version is in force; without any row the built-in default of the code is (version 0).
CREATE TABLE notification_template (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    kind          text NOT NULL,
    channel       text NOT NULL CHECK (channel IN ('sms', 'email')),
    audience      text NOT NULL CHECK (audience IN ('applicant', 'officer')),
    version       integer NOT NULL CHECK (version > 0),
    enabled       boolean NOT NULL,
    urgent        boolean NOT NULL,
    subject       text NOT NULL DEFAULT '',
    body          text NOT NULL,
    published_at  timestamptz NOT NULL DEFAULT now(),
    published_by  text NOT NULL,
    UNIQUE (kind, channel, audience, version)
);

-- Consumers mark the outbox row they have handled, in the transaction that handled it: an
-- event delivered twice (at-least-once relay, retried worker) is planned once.
ALTER TABLE outbox ADD COLUMN notified_at timestamptz;
UPDATE outbox SET notified_at = coalesce(published_at, created_at);
CREATE INDEX outbox_unnotified_idx ON outbox (id) WHERE notified_at IS NULL;

CREATE TABLE notification_message (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    event_id            uuid NOT NULL REFERENCES case_event (id),
    event_seq           bigint NOT NULL,  -- the outbox row's id: messages go out in event order
    case_id             uuid NOT NULL REFERENCES case_record (id),
    kind                text NOT NULL,
    audience            text NOT NULL CHECK (audience IN ('applicant', 'officer')),
    recipient_id        uuid NOT NULL,
    channel             text NOT NULL CHECK (channel IN ('sms', 'email')),
    address             text NOT NULL,
    template_version    integer NOT NULL,
    urgent              boolean NOT NULL,
    subject             text NOT NULL DEFAULT '',
    body                text NOT NULL,
    params              jsonb NOT NULL DEFAULT '{}',
    status              text NOT NULL DEFAULT 'pending'
                        CHECK (status IN ('pending', 'sending', 'sent', 'delivered', 'retry', 'failed')),
    attempts            integer NOT NULL DEFAULT 0,
    next_attempt_at     timestamptz NOT NULL,
    lease_until         timestamptz,
    provider            text,
    provider_message_id text,
    last_error          text,
    created_at          timestamptz NOT NULL DEFAULT now(),
    sent_at             timestamptz,
    delivered_at        timestamptz,
    failed_at           timestamptz,
    updated_at          timestamptz NOT NULL DEFAULT now(),
    -- At most one message per (event, recipient, channel), whoever plans it and how often.
    UNIQUE (event_id, recipient_id, channel)
);
CREATE INDEX notification_message_due_idx ON notification_message (next_attempt_at, event_seq)
    WHERE status IN ('pending', 'retry');
CREATE INDEX notification_message_lease_idx ON notification_message (lease_until)
    WHERE status = 'sending';
CREATE INDEX notification_message_case_idx ON notification_message (case_id, created_at);
CREATE INDEX notification_message_provider_idx ON notification_message (provider_message_id)
    WHERE provider_message_id IS NOT NULL;
