-- The result of 10_classify.sql, stored.
INSERT INTO recon_items SELECT * EXCLUDE (post_reference, seqr_n) FROM round_items;
