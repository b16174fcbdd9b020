-- Every post under the references the closes keep (27_keep_references.sql): under those their
-- shop's previous classification kept, what it kept and what was loaded since; under the others,
-- what pos_posts holds.
INSERT INTO kept_posts
SELECT k.close_seq, p.* FROM kept_posts_of($closes) p
JOIN keeping($closes) k ON k.shop_id = p.shop_id AND k.reference = p.ers_reference AND k.kept_before
UNION ALL
SELECT k.close_seq, p.shop_id, p.file_id, p.line, p.terminal_id, p.cashier_id, p.ers_reference, p.invoice_reference,
       p.amount, p.posted_at, p.kind
FROM pos_posts p JOIN keeping($closes) k ON k.shop_id = p.shop_id AND k.reference = p.ers_reference AND NOT k.kept_before;
