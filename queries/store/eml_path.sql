SELECT eml_path FROM emails WHERE email_id = $email_id
