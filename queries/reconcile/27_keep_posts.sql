-- Every post under the references the closes keep (27_keep_references.sql): under those their
-- shop's previous classification kept, what it kept and what was loaded since; under the others,
-- what pos_posts holds.
INSERT INTO kept_posts
WITH todo AS (SELECT unnest(CAST($closes AS STRUCT(shop_id VARCHAR, close_seq BIGINT)[]), recursive := true)),
keep AS MATERIALIZED (SELECT k.shop_id, k.reference FROM kept_references k SEMI JOIN todo t ON t.shop_id = k.shop_id AND t.close_seq = k.close_seq),
kept_before AS MATERIALIZED (FROM kept_references_of($closes)),
new_to_keep AS MATERIALIZED (SELECT * FROM keep ANTI JOIN kept_before b ON b.shop_id = keep.shop_id AND b.reference = keep.reference)
SELECT t.close_seq, p.* FROM (
    SELECT p.* FROM kept_posts_of($closes) p SEMI JOIN keep k ON k.shop_id = p.shop_id AND k.reference = p.ers_reference
    UNION ALL
    SELECT p.shop_id, p.file_id, p.line, p.terminal_id, p.cashier_id, p.ers_reference, p.invoice_reference, p.amount,
           p.posted_at, p.kind
    FROM pos_posts p SEMI JOIN new_to_keep k ON k.shop_id = p.shop_id AND k.reference = p.ers_reference
) p JOIN todo t ON t.shop_id = p.shop_id;
