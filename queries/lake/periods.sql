-- The lake's `periods`: the periods close the_close of shop the_shop marked.
CREATE OR REPLACE TEMP MACRO lake_periods(the_shop, the_close) AS TABLE
SELECT shop_id, close_seq, close_id, period_id, terminal_id, CAST(marked_at AS TIMESTAMPTZ) AS marked_at, state
FROM periods
WHERE shop_id = the_shop AND close_seq = the_close;
