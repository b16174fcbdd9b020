-- SEQR refused the mark cleanly (or was never reached): nothing was marked.
UPDATE closes SET state = 'intent', pending_scope = NULL, updated_at = now() WHERE close_id = $close_id
