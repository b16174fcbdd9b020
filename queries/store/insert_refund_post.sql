-- The local REFUND post of a back-office refund, so the close matches SEQR's refund row.
INSERT INTO pos_posts (file_id, line, shop_id, terminal_id, cashier_id, ers_reference, invoice_reference,
                       amount, currency, kind, description, posted_at)
VALUES ($file_id, 1, $shop_id, $terminal_id, $cashier_id, $ers_reference, NULL,
        $amount, $currency, 'REFUND', $description, coalesce($posted_at::TIMESTAMP, now()))
