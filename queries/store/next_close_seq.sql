-- The number the shop's next close takes: 1 for its first.
SELECT coalesce(max(close_seq), 0) + 1 FROM latest_closes WHERE shop_id = $shop_id
