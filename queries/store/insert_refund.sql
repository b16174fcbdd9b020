-- A refund SEQR made.
INSERT INTO refunds VALUES ($refund_ers, $original, $shop_id, $terminal_id, $amount, $reason, $refunded_by, now())
