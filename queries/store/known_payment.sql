-- A payment as the database knows it: SEQR's row first, else the till's post.
SELECT shop_id, terminal_id, amount FROM (
    SELECT shop_id, terminal_id, amount, 1 AS pref FROM seqr_rows WHERE ers_reference = $ers_reference AND amount > 0
    UNION ALL
    SELECT shop_id, terminal_id, amount, 2 FROM pos_posts WHERE ers_reference = $ers_reference AND kind = 'PAYMENT')
ORDER BY pref LIMIT 1
