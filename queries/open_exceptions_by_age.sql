-- Open exceptions (latest classification of each shop, not resolved by hand), oldest first,
-- with their age in days counted from the period they first belonged to.
WITH latest AS (
    SELECT shop_id, max(close_seq) AS close_seq FROM recon_results GROUP BY shop_id
),
open_items AS (
    SELECT r.* FROM recon_results r JOIN latest USING (shop_id, close_seq)
    WHERE r.category NOT IN ('MATCHED', 'LATE_MATCHED')
      AND coalesce(r.local_key, r.seqr_key, r.invoice_key) NOT IN (SELECT item_key FROM exception_resolutions)
)
SELECT o.shop_id, o.category, o.item_period_id AS period_id, o.terminal_id, o.ers_reference, o.invoice_reference,
       o.local_amount, o.seqr_amount,
       date_diff('day', CAST(p.marked_at AS DATE), CAST(CAST(now() AS TIMESTAMP) AS DATE)) AS age_days
FROM open_items o LEFT JOIN periods p ON p.period_id = o.item_period_id
ORDER BY age_days DESC NULLS LAST, o.shop_id, o.category;
