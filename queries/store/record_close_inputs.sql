-- What a reconciliation of a close used: the config (it holds no secret) and
-- the POS files whose rows its result holds (its posts, and the journal lines
-- of its invoices), in load order. Only this close's files: a list of every
-- file ever loaded grew with every close of every shop.
INSERT INTO close_inputs
SELECT $close_id, $run_id, now(), $config_snapshot, coalesce(list(f.sha256 ORDER BY f.file_id), [])
FROM pos_files f
WHERE f.file_id IN (
    SELECT coalesce(i.local_file_id, TRY_CAST(split_part(i.local_key, ':', 2) AS BIGINT))
    FROM recon_items i
    WHERE i.shop_id = $shop_id AND i.close_seq = $close_seq AND (i.local_file_id IS NOT NULL OR i.local_key LIKE 'P:%')
    UNION
    SELECT p.file_id
    FROM pos_invoices p
    SEMI JOIN recon_items i
        ON i.shop_id = p.shop_id AND i.close_seq = $close_seq AND i.invoice_key = 'I:' || p.invoice_reference
    WHERE p.shop_id = $shop_id
)
