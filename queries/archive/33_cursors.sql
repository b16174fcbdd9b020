DELETE FROM close_cursors USING archiving a
WHERE close_cursors.shop_id = a.shop_id AND close_cursors.close_seq = a.close_seq
