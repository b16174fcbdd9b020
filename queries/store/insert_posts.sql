-- Loads the checked transaction posts (stage_posts.sql) after line $skip_through (0: all) as file $file_id.
INSERT INTO pos_posts
SELECT $file_id, line, shop_id, terminal_id, cashier_id, ers_reference, invoice_reference, amount, currency, kind,
       description, posted_at
FROM pos_staged
WHERE line > $skip_through;
