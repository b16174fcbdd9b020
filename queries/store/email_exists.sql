SELECT count(*) > 0 FROM emails WHERE email_id = $email_id
