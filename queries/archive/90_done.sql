-- The closes stay, marked, with their periods: what each shop closed, and when, is never lost.
UPDATE closes SET archived_at = $now FROM archiving a WHERE closes.close_id = a.close_id
