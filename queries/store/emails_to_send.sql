-- Queued and never handed to SMTP, nor refused for good ($shop_id NULL: every shop), oldest first.
SELECT email_id, sender, recipients, eml_path FROM emails
WHERE sent_at IS NULL AND sending_at IS NULL AND refused_at IS NULL AND ($shop_id::VARCHAR IS NULL OR shop_id = $shop_id)
ORDER BY queued_at, email_id
