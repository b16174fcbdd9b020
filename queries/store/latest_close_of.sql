-- The shop's latest classified close.
SELECT max(close_seq) FROM close_cursors WHERE shop_id = $shop_id
