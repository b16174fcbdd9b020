-- The file just loaded, no longer needed.
DROP TABLE IF EXISTS pos_staged
