-- The events of outbox rows $1 with what their messages say and where they go.
SELECT o.id AS outbox_id, o.event_id::text AS event_id, e.action, e.payload, e.reason,
       c.id::text AS case_id, c.number, c.received_on, c.result_number, c.competent_agency,
       c.terminal_reason, c.decision, c.decision_reason, rr.name AS receiving_region_name,
       rr.level AS receiving_region_level,
       a.id::text AS applicant_id,
       -- A window-filed case's notices go to the contact stated for it, never to whatever
       -- the person's record says (and a filing never rewrites that record).
       CASE WHEN c.stated_channels IS NULL THEN a.name ELSE c.stated_name END AS applicant_name,
       CASE WHEN c.stated_channels IS NULL THEN a.mobile ELSE c.stated_mobile END AS mobile,
       CASE WHEN c.stated_channels IS NULL THEN a.email ELSE c.stated_email END AS email,
       coalesce(c.stated_channels, a.channels) AS channels,
       mv.name AS matter_name, mv.matter_kind, d.name AS department_name,
       (SELECT k.due_on FROM deadline_clock k
        WHERE k.case_id = c.id AND k.kind = 'delivery' AND k.task_id IS NULL
        ORDER BY k.created_at DESC LIMIT 1) AS delivery_due_on
FROM outbox o
JOIN case_event e ON e.id = o.event_id
JOIN case_record c ON c.id = o.case_id
JOIN applicant a ON a.id = c.applicant_id
JOIN matter_version mv ON mv.matter_id = c.matter_id AND mv.version = c.matter_version
JOIN department d ON d.id = c.handling_department_id
JOIN region rr ON rr.code = c.receiving_region
WHERE o.id = ANY($1::bigint[])
ORDER BY o.id
