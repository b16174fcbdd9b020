INSERT INTO emails (email_id, shop_id, period_id, kind, subject, sender, recipients, eml_path, queued_at)
VALUES ($email_id, $shop_id, $period_id, $kind, $subject, $sender, $recipients, $eml_path, now())
