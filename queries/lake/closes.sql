-- The lake's `closes`: close $close_seq of shop $shop_id as it stood when published.
SELECT shop_id, close_seq, close_id, CAST(slot AS TIMESTAMPTZ) AS slot, state, label_period_id,
       CAST(created_at AS TIMESTAMPTZ) AS created_at, CAST(updated_at AS TIMESTAMPTZ) AS updated_at, "error"
FROM closes
WHERE shop_id = $shop_id AND close_seq = $close_seq
