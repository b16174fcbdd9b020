UPDATE terminals SET seqr_id = $seqr_id WHERE terminal_id = $terminal_id
