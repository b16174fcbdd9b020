-- Their classifications (the lake keeps them when one is configured).
DELETE FROM recon_items USING archiving a WHERE recon_items.shop_id = a.shop_id AND recon_items.close_seq = a.close_seq
