-- SEQR's rows under a reference all of whose matched rows stand in settled_items now: every row
-- of the reference goes, or none, so that later rows under it are numbered after the ones kept
-- there.
DELETE FROM seqr_rows USING (
    WITH touched AS MATERIALIZED (
        SELECT DISTINCT s.shop_id, s.reference FROM settled_items s
        JOIN archiving a ON a.shop_id = s.shop_id AND a.close_seq = s.close_seq
        WHERE s.seqr_n IS NOT NULL
          AND s.close_seq BETWEEN (SELECT min(close_seq) FROM archiving) AND (SELECT max(close_seq) FROM archiving)
    )
    SELECT s.shop_id, s.reference FROM settled_items s
    SEMI JOIN touched t ON t.shop_id = s.shop_id AND t.reference = s.reference
    WHERE s.seqr_n IS NOT NULL
      AND s.reference BETWEEN (SELECT min(reference) FROM touched) AND (SELECT max(reference) FROM touched)
    GROUP BY s.shop_id, s.reference HAVING bool_and(s.archived)
) r
WHERE seqr_rows.shop_id = r.shop_id AND seqr_rows.ers_reference = r.reference
