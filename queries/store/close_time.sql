-- When close $close_seq of a shop was marked (SEQR's time of its first period).
SELECT min(marked_at) FROM periods WHERE shop_id = $shop_id AND close_seq = $close_seq
