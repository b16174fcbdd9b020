-- The lake's `periods`: the periods close $close_seq of shop $shop_id marked.
SELECT shop_id, close_seq, close_id, period_id, terminal_id, CAST(marked_at AS TIMESTAMPTZ) AS marked_at, state
FROM periods
WHERE shop_id = $shop_id AND close_seq = $close_seq
