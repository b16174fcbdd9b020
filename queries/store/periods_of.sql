-- The periods of a close, in the order SEQR made them.
SELECT period_id, terminal_id, marked_at, state FROM periods WHERE close_id = $close_id ORDER BY marked_at, period_id
