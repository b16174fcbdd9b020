-- A close's report names the shop's POS files refused since its previous report.
UPDATE pos_file_refusals SET reported_in_close = $close_id WHERE shop_id = $shop_id AND reported_in_close IS NULL
