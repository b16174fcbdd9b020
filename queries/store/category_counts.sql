SELECT category, count(*) FROM recon_items WHERE shop_id = $shop_id AND close_seq = $close_seq
GROUP BY category ORDER BY category
