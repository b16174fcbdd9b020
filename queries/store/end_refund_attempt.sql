-- An attempt that did not give a refund reference: `refused` or `unknown`.
UPDATE refund_attempts SET outcome = $outcome, detail = $detail WHERE attempt_id = $attempt_id
