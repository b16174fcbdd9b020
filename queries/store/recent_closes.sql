-- A shop's latest closes, newest first: state, period, exceptions, and the file name of the report email.
SELECT r.close_seq, r.period_id, r.state, r.created_at, r.exceptions,
       (SELECT e.eml_path FROM emails e WHERE e.shop_id = r.shop_id AND e.period_id = r.period_id AND e.kind = 'report'
        ORDER BY e.queued_at DESC LIMIT 1) AS eml_path
FROM v_runs r WHERE r.shop_id = $shop_id
ORDER BY r.close_seq DESC LIMIT 60
