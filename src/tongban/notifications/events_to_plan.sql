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
        ORDER BY k.created_at DESC LIMIT 1) AS delivery_due_on,
       -- 一件事一次办: one notice per bundle step (notifications.bundle_notices). The events
       -- one transaction wrote share their xmin: that is what makes them one step.
       c.bundle_application_id::text AS bundle_application_id,
       bv.spec->>'name' AS bundle_name,
       c.bundle_position,
       CASE WHEN c.bundle_application_id IS NOT NULL THEN
         (SELECT jsonb_agg(jsonb_build_object('number', c2.number, 'matter', mv2.name,
                 'action', e2.action, 'position', c2.bundle_position, 'payload', e2.payload)
                 ORDER BY c2.bundle_position, e2.seq)
          FROM case_event e2
          JOIN case_record c2 ON c2.id = e2.case_id
          JOIN matter_version mv2 ON mv2.matter_id = c2.matter_id AND mv2.version = c2.matter_version
          WHERE c2.bundle_application_id = c.bundle_application_id AND e2.xmin = e.xmin)
       END AS bundle_group,
       CASE WHEN c.bundle_application_id IS NOT NULL THEN
         (SELECT jsonb_agg(jsonb_build_object('number', c3.number, 'matter', mv3.name,
                 'state', c3.state, 'decision', c3.decision, 'result', c3.result_number)
                 ORDER BY c3.bundle_position)
          FROM case_record c3
          JOIN matter_version mv3 ON mv3.matter_id = c3.matter_id AND mv3.version = c3.matter_version
          WHERE c3.bundle_application_id = c.bundle_application_id)
       END AS bundle_items,
       c.bundle_application_id IS NOT NULL AND NOT EXISTS (
         SELECT 1 FROM case_event e4 JOIN case_record c4 ON c4.id = e4.case_id
         WHERE c4.bundle_application_id = c.bundle_application_id AND e4.seq > e.seq
           -- the items its own transaction closed with it are part of its step
           AND e4.xmin <> e.xmin
           AND e4.action IN ('decided', 'refused', 'declared_not_applicable', 'withdrawn',
                             'closed_no_supplement', 'closed_no_show', 'closed_prerequisite',
                             'approved_on_commitment')) AS bundle_last_closing
FROM outbox o
JOIN case_event e ON e.id = o.event_id
JOIN case_record c ON c.id = o.case_id
JOIN applicant a ON a.id = c.applicant_id
JOIN matter_version mv ON mv.matter_id = c.matter_id AND mv.version = c.matter_version
JOIN department d ON d.id = c.handling_department_id
JOIN region rr ON rr.code = c.receiving_region
LEFT JOIN bundle_application ba ON ba.id = c.bundle_application_id
LEFT JOIN bundle_version bv ON bv.bundle_id = ba.bundle_id AND bv.version = ba.bundle_version
WHERE o.id = ANY($1::bigint[])
ORDER BY o.id
