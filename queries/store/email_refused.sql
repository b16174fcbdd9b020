-- The mail server refused it for good ($error names the answer and the address): not retried.
UPDATE emails SET attempts = attempts + 1, last_error = $error, refused_at = now(), sending_at = NULL
WHERE email_id = $email_id
