-- New messages, one row per unnested element; a message planned before is skipped.
INSERT INTO notification_message
    (event_id, event_seq, case_id, kind, audience, recipient_id, channel, address,
     template_version, urgent, subject, body, params, next_attempt_at)
SELECT * FROM unnest($1::uuid[], $2::bigint[], $3::uuid[], $4::text[],
                     $5::text[], $6::uuid[], $7::text[], $8::text[],
                     $9::int[], $10::bool[], $11::text[], $12::text[],
                     $13::jsonb[], $14::timestamptz[])
         AS m(event_id, event_seq, case_id, kind, audience, recipient_id, channel,
              address, template_version, urgent, subject, body, params,
              next_attempt_at)
ON CONFLICT (event_id, recipient_id, channel) DO NOTHING
RETURNING id
