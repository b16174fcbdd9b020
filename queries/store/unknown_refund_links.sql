-- Back-office refunds of shop $shop_id whose outcome is unknown, each with a
-- SEQR refund row that may be it: for minus its amount, on the payment's
-- terminal (when known), made at or after the attempt (SEQR's time from the
-- ersReference, a few minutes' slack for the clocks), and named by no post and
-- no refund yet. Several rows per attempt when several terminals qualify.
SELECT a.attempt_id, a.original_ers_reference, s.terminal_id, a.amount, a.reason, a.attempted_by,
       min(s.ers_reference) AS refund_ers
FROM refund_attempts a
JOIN seqr_rows s ON s.shop_id = a.shop_id AND s.amount = -a.amount
     AND (a.terminal_id IS NULL OR s.terminal_id = a.terminal_id)
     AND try_strptime(left(s.ers_reference, 14), '%Y%m%d%H%M%S') >= date_trunc('second', a.attempted_at) - INTERVAL 5 MINUTE
WHERE a.shop_id = $shop_id AND a.outcome IN ('sending', 'unknown')
  AND s.ers_reference NOT IN (SELECT ers_reference FROM pos_posts WHERE ers_reference IS NOT NULL)
  AND s.ers_reference NOT IN (SELECT refund_ers_reference FROM refunds)
GROUP BY ALL
ORDER BY a.attempt_id;
