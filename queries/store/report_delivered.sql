-- A close's report ($email_id: `{close_id}-report`, or a resend of it) was
-- delivered, by whichever run sent it: the close is `emailed`.
UPDATE closes SET state = 'emailed', error = NULL, updated_at = now()
WHERE state = 'exported'
  AND ($email_id = close_id || '-report' OR starts_with($email_id, close_id || '-report-resend-'))
