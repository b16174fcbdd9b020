-- The first attempt to refund a payment whose outcome is unknown (in flight, or no clean answer).
SELECT attempt_id, amount, CAST(attempted_at AS VARCHAR) FROM refund_attempts
WHERE original_ers_reference = $original AND outcome IN ('sending', 'unknown') ORDER BY attempted_at LIMIT 1
