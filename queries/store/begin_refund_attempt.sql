-- An attempt to refund, recorded as `sending` before SEQR is asked.
INSERT INTO refund_attempts
VALUES ($attempt_id, $original, $shop_id, $terminal_id, $amount, $reason, $attempted_by, $attempted_at, 'sending', NULL, NULL)
