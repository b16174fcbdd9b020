-- Each shop's newest close, recorded with the close itself (queries/store/record_latest_close.sql):
-- finding it is then a lookup by key, where a search of closes would read every close the shop
-- ever made, as closes are kept for good.
CREATE TABLE latest_closes (
    shop_id    VARCHAR PRIMARY KEY,
    close_id   VARCHAR NOT NULL,
    close_seq  BIGINT NOT NULL
);

INSERT INTO latest_closes
SELECT shop_id, arg_max(close_id, close_seq), max(close_seq) FROM closes GROUP BY shop_id;

COMMENT ON TABLE latest_closes IS 'each shop''s newest close, finished or not';
COMMENT ON COLUMN latest_closes.shop_id IS 'the shop';
COMMENT ON COLUMN latest_closes.close_id IS 'its newest close (closes.close_id)';
COMMENT ON COLUMN latest_closes.close_seq IS 'that close''s number';
