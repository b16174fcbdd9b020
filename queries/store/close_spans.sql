-- The stretch each close in $closes ({shop_id, close_seq}) covers, by shop: SEQR's time of the
-- shop's previous close (NULL for its first) and of the close itself, each the mark of its first
-- period.
WITH todo AS (SELECT unnest(CAST($closes AS STRUCT(shop_id VARCHAR, close_seq BIGINT)[]), recursive := true)),
first_marks AS (
    SELECT p.shop_id, p.close_seq, min(p.marked_at) AS marked_at
    FROM periods p SEMI JOIN todo t ON t.shop_id = p.shop_id AND p.close_seq <= t.close_seq
    GROUP BY p.shop_id, p.close_seq
)
SELECT t.shop_id,
       max_by(m.marked_at, m.close_seq) FILTER (WHERE m.close_seq < t.close_seq),
       max(m.marked_at) FILTER (WHERE m.close_seq = t.close_seq)
FROM todo t LEFT JOIN first_marks m ON m.shop_id = t.shop_id
GROUP BY t.shop_id
