-- Reconciling a close again replaces its earlier results (re-runs are idempotent).
DELETE FROM recon_items
USING (SELECT unnest(CAST($closes AS STRUCT(shop_id VARCHAR, close_seq BIGINT)[]), recursive := true)) todo
WHERE recon_items.shop_id = todo.shop_id AND recon_items.close_seq = todo.close_seq;
