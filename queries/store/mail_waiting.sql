-- A shop's undelivered mail: still queued, handed to SMTP without a recorded
-- outcome, and refused for good by the mail server. A report in doubt or
-- refused no longer counts once a report of the same period was delivered
-- (`resend`).
SELECT count(*) FILTER (sending_at IS NULL AND refused_at IS NULL),
       count(*) FILTER (sending_at IS NOT NULL AND NOT delivered_since),
       count(*) FILTER (refused_at IS NOT NULL AND NOT delivered_since)
FROM (
    SELECT e.*, EXISTS (
        SELECT 1 FROM emails d
        WHERE d.kind = 'report' AND d.shop_id = e.shop_id AND d.period_id = e.period_id AND d.sent_at IS NOT NULL
    ) AS delivered_since
    FROM emails e WHERE e.shop_id = $shop_id AND e.sent_at IS NULL
)
