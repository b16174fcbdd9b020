-- The to-do list of a close: each exception it shows, with the close that first showed it, the
-- amount at risk (gross: what the books or the customer stand to lose, always positive) and its
-- latest state (item_states). The email and the workbook's To do sheet list these.
-- For each close in $closes ({shop_id, close_seq}, at most one per shop): each shop's rows by
-- amount at risk, largest first.
-- first_close_seq is the close that first showed the row: the classification stored an earlier
-- one, else it is this close.
WITH shown AS (
    SELECT r.* REPLACE (coalesce(r.first_close_seq, r.close_seq) AS first_close_seq), row_number() OVER () AS row_id
    FROM results_of_closes($closes) r JOIN categories c ON c.category = r.category
    -- MATCHED is never an exception; saying so here spares reading the close's matched rows.
    WHERE c.is_exception AND r.category <> 'MATCHED'
),
keyed AS (
    SELECT shop_id, row_id, unnest([local_key, seqr_key, invoice_key]) AS item_key FROM shown
),
-- Each row's latest change, of any of its keys: from the events of these keys only (item_states
-- would first group every event ever recorded).
states AS (
    SELECT k.row_id, arg_max(e, e.event_at) AS s FROM keyed k
    JOIN item_events e ON e.shop_id = k.shop_id AND e.item_key = k.item_key
    GROUP BY k.row_id
),
-- When each close was classified: an item resolved before that and shown by it came back.
classified AS (
    SELECT c.shop_id, c.close_seq, max(i.reconciled_at) AS classified_at
    FROM closes c JOIN close_inputs i ON i.close_id = c.close_id
    SEMI JOIN (SELECT DISTINCT shop_id, close_seq FROM shown) s ON s.shop_id = c.shop_id AND s.close_seq = c.close_seq
    GROUP BY ALL
),
-- The mark of the close that first showed each row.
firsts AS (SELECT DISTINCT shop_id, first_close_seq AS close_seq FROM shown),
marks AS (
    SELECT p.shop_id, p.close_seq, min(p.marked_at) AS first_mark
    FROM periods p SEMI JOIN firsts f ON f.shop_id = p.shop_id AND f.close_seq = p.close_seq
    -- Back to the oldest item's first close only, not every period ever marked.
    WHERE p.close_seq >= (SELECT min(close_seq) FROM firsts)
    GROUP BY ALL
)
SELECT r.shop_id, r.category, c.action, r.terminal_id, t.name AS terminal_name, r.cashier_id,
       coalesce(r.ers_reference, r.invoice_reference) AS reference, r.invoice_reference,
       r.local_amount, r.seqr_amount, r.difference,
       at_risk(r.category, r.local_amount, r.seqr_amount, r.difference) AS at_risk,
       r.posted_at, r.detail,
       r.first_close_seq, fm.first_mark AS first_seen_at,
       st.s.event AS event, st.s.until AS snoozed_until, st.s.how AS resolved_how, st.s.note AS note,
       st.s.by_user AS event_by, st.s.event_at AS event_at, k.classified_at
FROM shown r
JOIN categories c ON c.category = r.category
LEFT JOIN states st USING (row_id)
LEFT JOIN marks fm ON fm.shop_id = r.shop_id AND fm.close_seq = r.first_close_seq
LEFT JOIN terminals t ON t.terminal_id = r.terminal_id
LEFT JOIN classified k ON k.shop_id = r.shop_id AND k.close_seq = r.close_seq
ORDER BY r.shop_id, at_risk DESC, r.category, reference, r.local_key;
