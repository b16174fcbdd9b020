DROP TABLE IF EXISTS recompute_before
