-- Set just before the hand-over to SMTP, cleared ($sending false) when it fails.
UPDATE emails SET sending_at = CASE WHEN $sending THEN now() END WHERE email_id = $email_id
