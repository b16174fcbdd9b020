-- An attempt whose outcome was unknown, linked by a close to SEQR's refund row.
UPDATE refund_attempts
SET outcome = 'done', refund_ers_reference = $refund_ers,
    detail = coalesce(detail || '; ', '') || 'linked to SEQR refund row ' || $refund_ers || ' by the close'
WHERE attempt_id = $attempt_id
