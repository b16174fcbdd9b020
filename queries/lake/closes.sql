-- The lake's `closes`: close the_close of shop the_shop as it stood when published.
CREATE OR REPLACE TEMP MACRO lake_closes(the_shop, the_close) AS TABLE
SELECT shop_id, close_seq, close_id, CAST(slot AS TIMESTAMPTZ) AS slot, state, label_period_id,
       CAST(created_at AS TIMESTAMPTZ) AS created_at, CAST(updated_at AS TIMESTAMPTZ) AS updated_at, "error"
FROM closes
WHERE shop_id = the_shop AND close_seq = the_close;
