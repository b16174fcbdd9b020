-- The posts those closes matched.
DELETE FROM pos_posts USING settled_items s, archiving a
WHERE s.shop_id = a.shop_id AND s.close_seq = a.close_seq AND s.archived
  AND pos_posts.file_id = s.file_id AND pos_posts.line = s.line
