-- The error that stopped a close, for `status` and v_runs.
UPDATE closes SET error = $error, updated_at = now() WHERE close_id = $close_id
