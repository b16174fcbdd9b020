-- Each shop's days in its own calendar, per terminal: what the tills posted (by the post's time)
-- and what SEQR's detail rows hold (by the day of their period's mark).
-- Parameters: $from and $to (days, inclusive), e.g. --param from=2026-11-01 --param to=2026-11-30.
WITH pos AS (
    SELECT shop_id, terminal_id, shop_date(shop_id, posted_at) AS day, count(*) AS n, sum(amount) AS total
    FROM pos_posts
    -- A day in any zone lies within a day of the UTC one: the wider bounds let the zone filter see it.
    WHERE posted_at >= CAST($from AS DATE) - INTERVAL 1 DAY AND posted_at < CAST($to AS DATE) + INTERVAL 2 DAY
    GROUP BY ALL
),
seqr AS (
    SELECT r.shop_id, r.terminal_id, shop_date(p.shop_id, p.marked_at) AS day, count(*) AS n, sum(r.amount) AS total
    FROM seqr_rows r JOIN periods p ON p.period_id = r.period_id
    WHERE p.marked_at >= CAST($from AS DATE) - INTERVAL 1 DAY AND p.marked_at < CAST($to AS DATE) + INTERVAL 2 DAY
    GROUP BY ALL
)
SELECT coalesce(pos.day, seqr.day) AS day,
       coalesce(pos.shop_id, seqr.shop_id) AS shop_id,
       coalesce(pos.terminal_id, seqr.terminal_id) AS terminal_id, t.name AS terminal_name,
       coalesce(pos.n, 0) AS local_count, coalesce(pos.total, 0) AS local_total,
       coalesce(seqr.n, 0) AS seqr_count, coalesce(seqr.total, 0) AS seqr_total
FROM pos FULL OUTER JOIN seqr
  ON pos.shop_id = seqr.shop_id AND pos.terminal_id = seqr.terminal_id AND pos.day = seqr.day
LEFT JOIN terminals t ON t.terminal_id = coalesce(pos.terminal_id, seqr.terminal_id)
WHERE coalesce(pos.day, seqr.day) BETWEEN CAST($from AS DATE) AND CAST($to AS DATE)
ORDER BY day, shop_id, terminal_id;
