-- Notes the rows this close reads and settles under a reference older than its shop's previous
-- first mark (schema/023_late_references.sql): the posts of POS files loaded since the previous
-- close, and what the close settled. A shop's first close has no previous mark: nothing is late.
INSERT INTO late_references
WITH
todo AS (SELECT unnest(CAST($closes AS STRUCT(shop_id VARCHAR, close_seq BIGINT)[]), recursive := true)),
since AS (
    SELECT s.shop_id, t.close_seq, s.last_file_id, strftime(s.first_mark_at, '%Y%m%d%H%M%S') AS previous_mark
    FROM previous_cursors($closes) s JOIN todo t ON t.shop_id = s.shop_id
)
SELECT DISTINCT p.shop_id, s.close_seq, p.ers_reference, p.file_id
FROM pos_posts p JOIN since s ON s.shop_id = p.shop_id AND p.file_id > s.last_file_id
WHERE p.ers_reference < s.previous_mark
UNION ALL
SELECT DISTINCT i.shop_id, i.close_seq, i.reference, NULL
FROM settled_items i JOIN since s ON s.shop_id = i.shop_id AND i.close_seq = s.close_seq
WHERE i.reference < s.previous_mark AND (i.file_id IS NOT NULL OR i.seqr_n IS NOT NULL);
