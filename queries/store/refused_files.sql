-- The refused POS files a close's report names.
SELECT file_name, row_count, problems FROM pos_file_refusals
WHERE reported_in_close = (SELECT close_id FROM closes WHERE shop_id = $shop_id AND close_seq = $close_seq)
ORDER BY refused_at, file_name
