-- Rows that came under a reference older than their night: a refund the till booked under a
-- month-old payment's reference, a copy posted weeks later, an item matched long after it was
-- first shown. Such a row widens the reference range of the row group it lands in, so a close
-- looking up an old reference by itself would read every row group written since that
-- reference's night. Instead each such row is noted here, and a close looks up an old reference
-- (10_classify.sql's looked_up) in the row groups up to its night (night_ends_of below) and in
-- the files and closes noted here only.
--
-- A post is late when its reference is older than the first mark of the close before the first
-- close whose POS files include it (close_cursors); a settled_items row is late when its
-- reference is older than the first mark of the close before the close that settled it.
-- queries/reconcile/28_late_references.sql notes them as each close reads and settles them.
CREATE TABLE late_references (
    shop_id    VARCHAR NOT NULL,
    close_seq  BIGINT NOT NULL,
    reference  VARCHAR NOT NULL,
    file_id    BIGINT
);

-- For each shop of closes, its closes' first marks with the newest POS file and the close as of
-- each: a reference older than a close's first mark is late in every close after that one, so
-- rows under it that are not noted in late_references are in POS files up to that close's
-- last_file_id, and settled up to that close.
CREATE MACRO night_ends_of(closes) AS TABLE
SELECT k.shop_id, k.close_seq, k.last_file_id, strftime(k.first_mark_at, '%Y%m%d%H%M%S') AS first_mark_reference
FROM close_cursors k
SEMI JOIN (SELECT unnest(CAST(closes AS STRUCT(shop_id VARCHAR, close_seq BIGINT)[]), recursive := true)) t
  ON t.shop_id = k.shop_id AND k.close_seq < t.close_seq;

-- The late rows of the closes already made. A close whose previous close was archived counts
-- nothing late: every reference older than its first mark ends its night at that close or before.
INSERT INTO late_references
WITH ends AS (
    SELECT shop_id, close_seq, last_file_id,
           lag(strftime(first_mark_at, '%Y%m%d%H%M%S')) OVER (PARTITION BY shop_id ORDER BY close_seq) AS previous_mark
    FROM close_cursors
)
SELECT DISTINCT p.shop_id, e.close_seq, p.ers_reference, p.file_id
FROM pos_posts p ASOF JOIN ends e ON e.shop_id = p.shop_id AND p.file_id <= e.last_file_id
WHERE p.ers_reference < e.previous_mark
UNION ALL
SELECT DISTINCT s.shop_id, s.close_seq, s.reference, NULL
FROM settled_items s JOIN ends e ON e.shop_id = s.shop_id AND e.close_seq = s.close_seq
WHERE s.reference < e.previous_mark AND (s.file_id IS NOT NULL OR s.seqr_n IS NOT NULL);

COMMENT ON TABLE late_references IS 'posts and settled rows that came under a reference older than their close''s night';
COMMENT ON COLUMN late_references.shop_id IS 'the shop';
COMMENT ON COLUMN late_references.close_seq IS 'the first close whose POS files include the post, or the close that settled the rows';
COMMENT ON COLUMN late_references.reference IS 'the ersReference';
COMMENT ON COLUMN late_references.file_id IS 'the late post''s POS file; NULL for rows settled_items holds for close_seq';
