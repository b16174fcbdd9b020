-- The refused POS files each close in $closes ({shop_id, close_seq}) names in its report, by shop.
SELECT c.shop_id, r.file_name, r.row_count, r.problems
FROM pos_file_refusals r
JOIN closes c ON c.close_id = r.reported_in_close
SEMI JOIN (SELECT unnest(CAST($closes AS STRUCT(shop_id VARCHAR, close_seq BIGINT)[]), recursive := true)) t
  ON t.shop_id = c.shop_id AND t.close_seq = c.close_seq
ORDER BY c.shop_id, r.refused_at, r.file_name
