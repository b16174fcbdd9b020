-- How many rows the file just read holds.
SELECT count(*) FROM pos_staged
