DELETE FROM soap_responses WHERE close_id IN (SELECT close_id FROM archiving)
