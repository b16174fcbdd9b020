UPDATE emails SET sent_at = now(), attempts = attempts + 1, last_error = NULL, eml_path = $eml_path
WHERE email_id = $email_id
