-- An attempt SEQR answered with its refund reference.
UPDATE refund_attempts SET outcome = 'done', refund_ers_reference = $refund_ers WHERE attempt_id = $attempt_id
