UPDATE closes SET pending_scope = NULL WHERE close_id = $close_id
