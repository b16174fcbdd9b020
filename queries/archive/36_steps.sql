DELETE FROM runs WHERE close_id IN (SELECT close_id FROM archiving)
