-- How many refunds of a shop have an unknown outcome.
SELECT count(*) FROM refund_attempts WHERE shop_id = $shop_id AND outcome IN ('sending', 'unknown')
