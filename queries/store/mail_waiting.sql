-- A shop's undelivered mail: still queued, and handed to SMTP without a recorded outcome.
SELECT count(*) FILTER (sending_at IS NULL), count(*) FILTER (sending_at IS NOT NULL)
FROM emails WHERE shop_id = $shop_id AND sent_at IS NULL
