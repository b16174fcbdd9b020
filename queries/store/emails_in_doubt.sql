-- Handed to SMTP by a run that stopped before recording the outcome ($shop_id NULL: every shop).
SELECT count(*) FROM emails
WHERE sent_at IS NULL AND sending_at IS NOT NULL AND ($shop_id::VARCHAR IS NULL OR shop_id = $shop_id)
