-- The id of the shop's newest close, finished or not.
SELECT close_id FROM latest_closes WHERE shop_id = $shop_id
