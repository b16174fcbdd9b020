-- Reconciling a close again replaces its earlier results (re-runs are idempotent).
DELETE FROM recon_items WHERE shop_id = $shop_id AND close_seq = $close_seq;
