-- Daily totals per shop and terminal, from what the POS posted and what SEQR reported.
-- Parameters: $from and $to (dates, inclusive), e.g. --param from=2026-11-01 --param to=2026-11-30.
WITH pos AS (
    SELECT shop_id, terminal_id, CAST(posted_at AS DATE) AS day, count(*) AS n, sum(amount) AS total
    FROM pos_posts
    WHERE CAST(posted_at AS DATE) BETWEEN CAST($from AS DATE) AND CAST($to AS DATE)
    GROUP BY ALL
),
seqr AS (
    SELECT r.shop_id, r.terminal_id, CAST(p.marked_at AS DATE) AS day, count(*) AS n, sum(r.amount) AS total
    FROM seqr_rows r JOIN periods p ON p.period_id = r.period_id
    WHERE CAST(p.marked_at AS DATE) BETWEEN CAST($from AS DATE) AND CAST($to AS DATE)
    GROUP BY ALL
)
SELECT coalesce(pos.day, seqr.day) AS day,
       coalesce(pos.shop_id, seqr.shop_id) AS shop_id,
       coalesce(pos.terminal_id, seqr.terminal_id) AS terminal_id,
       coalesce(pos.n, 0) AS local_count, coalesce(pos.total, 0) AS local_total,
       coalesce(seqr.n, 0) AS seqr_count, coalesce(seqr.total, 0) AS seqr_total
FROM pos FULL OUTER JOIN seqr
  ON pos.shop_id = seqr.shop_id AND pos.terminal_id = seqr.terminal_id AND pos.day = seqr.day
ORDER BY day, shop_id, terminal_id;
