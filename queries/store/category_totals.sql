-- The exceptions of one close per category: how many, their difference (local less SEQR's), and the
-- one sentence that says what to do (table `categories`).
SELECT r.category, count(*) AS items, coalesce(sum(r.difference), 0)::DECIMAL(18,5) AS difference, c.action
FROM results_of_closes([{'shop_id': $shop_id, 'close_seq': $close_seq}]) r JOIN categories c ON c.category = r.category
WHERE c.is_exception
GROUP BY r.category, c.action
ORDER BY r.category
