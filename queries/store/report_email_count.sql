-- The report emails of a close so far (the first and every resend).
SELECT count(*) FROM emails WHERE email_id LIKE $close_id || '-report%'
