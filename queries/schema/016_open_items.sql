-- The items earlier closes showed that are still open, apart from item_firsts (every item ever
-- shown): a close reads its shop's few open items, never its whole history. An item leaves when
-- an accountant resolves it by hand and comes back when it is reopened. One a close matched is
-- marked with that close and leaves at the shop's next classification, so that the close's
-- self-check still reads it (queries/reconcile/ keeps the table).
CREATE TABLE open_items (
    shop_id            VARCHAR NOT NULL,
    item_key           VARCHAR NOT NULL,
    reference          VARCHAR NOT NULL,
    close_seq          BIGINT NOT NULL,
    settled_close_seq  BIGINT
);

-- The items of item_firsts open as of each shop's latest classification: not matched before it
-- and not resolved by hand. They fill open_items here; queries/store/reopen_open_item.sql puts
-- back the one an accountant reopens.
CREATE MACRO open_in_firsts() AS TABLE
SELECT f.shop_id, f.item_key, f.reference, f.close_seq, f.settled_close_seq FROM item_firsts f
WHERE (f.settled_close_seq IS NULL
       OR f.settled_close_seq >= (SELECT max(c.close_seq) FROM close_cursors c WHERE c.shop_id = f.shop_id))
  AND f.item_key NOT IN (SELECT item_key FROM exception_resolutions);

INSERT INTO open_items FROM open_in_firsts();

-- For each close in closes: the items earlier closes showed and none matched before it, but for
-- those resolved by hand (whose other side, arriving later, is new to the close).
CREATE OR REPLACE MACRO open_items_of(closes) AS TABLE
WITH t AS (SELECT unnest(CAST(closes AS STRUCT(shop_id VARCHAR, close_seq BIGINT)[]), recursive := true))
SELECT o.shop_id, o.item_key, o.reference FROM open_items o
JOIN t ON t.shop_id = o.shop_id AND o.close_seq < t.close_seq
WHERE o.settled_close_seq IS NULL OR o.settled_close_seq >= t.close_seq;

COMMENT ON TABLE open_items IS 'the items shown as exceptions that are still open: not matched and not resolved by hand';
COMMENT ON COLUMN open_items.shop_id IS 'the shop';
COMMENT ON COLUMN open_items.item_key IS 'the item''s key';
COMMENT ON COLUMN open_items.reference IS 'its ersReference or invoice reference';
COMMENT ON COLUMN open_items.close_seq IS 'the close that first showed it';
COMMENT ON COLUMN open_items.settled_close_seq IS 'the shop''s latest close, when that close matched it (NULL: open)';
