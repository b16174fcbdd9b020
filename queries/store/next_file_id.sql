-- The id of the next POS file (a till's file, or a back-office refund recorded as one).
SELECT coalesce(max(file_id), 0) + 1 FROM pos_files
