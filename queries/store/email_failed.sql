UPDATE emails SET attempts = attempts + 1, last_error = $error WHERE email_id = $email_id
