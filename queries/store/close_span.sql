-- The stretch a close covers: SEQR's time of the shop's previous close (NULL for its first) and of
-- close $close_seq, each the mark of its first period.
SELECT (SELECT min(marked_at) FROM periods
        WHERE shop_id = $shop_id
          AND close_seq = (SELECT max(close_seq) FROM periods WHERE shop_id = $shop_id AND close_seq < $close_seq)),
       (SELECT min(marked_at) FROM periods WHERE shop_id = $shop_id AND close_seq = $close_seq)
