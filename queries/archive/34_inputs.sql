DELETE FROM close_inputs WHERE close_id IN (SELECT close_id FROM archiving)
