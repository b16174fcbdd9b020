-- For each close in closes ({shop_id, close_seq}): SEQR's detail rows (seqr_rows_of_closes) and
-- summary rows (seqr_summaries_of_closes) of its periods, each with the close's close_seq.
-- Period ids, like ersReferences, begin with their time: the rows are read between the least and
-- greatest of the closes' period ids, so only the part of each table that can hold them is
-- scanned. DuckDB does not narrow a scan by a list of ids on its own.
CREATE MACRO seqr_rows_of_closes(closes) AS TABLE
WITH t AS (SELECT unnest(CAST(closes AS STRUCT(shop_id VARCHAR, close_seq BIGINT)[]), recursive := true)),
cur AS (SELECT p.close_seq, p.period_id FROM periods p SEMI JOIN t ON t.shop_id = p.shop_id AND t.close_seq = p.close_seq)
SELECT r.*, c.close_seq FROM seqr_rows r JOIN cur c ON c.period_id = r.period_id
WHERE r.period_id >= (SELECT min(period_id) FROM cur) AND r.period_id <= (SELECT max(period_id) FROM cur);

CREATE MACRO seqr_summaries_of_closes(closes) AS TABLE
WITH t AS (SELECT unnest(CAST(closes AS STRUCT(shop_id VARCHAR, close_seq BIGINT)[]), recursive := true)),
cur AS (SELECT p.close_seq, p.period_id FROM periods p SEMI JOIN t ON t.shop_id = p.shop_id AND t.close_seq = p.close_seq)
SELECT s.*, c.close_seq FROM seqr_summaries s JOIN cur c ON c.period_id = s.period_id
WHERE s.period_id >= (SELECT min(period_id) FROM cur) AND s.period_id <= (SELECT max(period_id) FROM cur);
