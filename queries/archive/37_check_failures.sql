DELETE FROM check_failures WHERE close_id IN (SELECT close_id FROM archiving)
