-- When the shop's close before close $close_seq was marked (SEQR's time of its first period): the start
-- of this close's period.
SELECT min(p.marked_at) FROM periods p
WHERE p.shop_id = $shop_id AND p.close_seq = (
    SELECT max(close_seq) FROM periods WHERE shop_id = $shop_id AND close_seq < $close_seq)
