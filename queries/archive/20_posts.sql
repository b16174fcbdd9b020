-- The posts those closes matched.
DELETE FROM pos_posts USING (
    SELECT s.file_id, s.line FROM settled_items s JOIN archiving a ON a.shop_id = s.shop_id AND a.close_seq = s.close_seq
    WHERE s.archived AND s.file_id IS NOT NULL
      AND s.close_seq BETWEEN (SELECT min(close_seq) FROM archiving) AND (SELECT max(close_seq) FROM archiving)
) gone
WHERE pos_posts.file_id = gone.file_id AND pos_posts.line = gone.line
