-- A POS file refused at ingest, for one shop it names (once per file and shop).
INSERT INTO pos_file_refusals VALUES ($file_name, $sha256, $shop_id, $row_count, $problems, now(), NULL)
ON CONFLICT DO NOTHING
