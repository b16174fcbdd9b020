-- The refused POS files a close's report names.
SELECT file_name, row_count, problems FROM pos_file_refusals WHERE reported_in_close = $close_id
ORDER BY refused_at, file_name
