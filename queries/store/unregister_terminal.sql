UPDATE terminals SET unregistered_at = now() WHERE terminal_id = $terminal_id
