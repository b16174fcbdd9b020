INSERT INTO pos_files (file_id, file_name, sha256, feed, row_count, ingested_at)
VALUES ($file_id, $file_name, $sha256, $feed, $row_count, now())
