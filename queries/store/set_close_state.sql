-- Moves a close to a state, with the error that stopped it, if any.
UPDATE closes SET state = $state, error = $error, updated_at = now() WHERE close_id = $close_id
