-- The shop's closes `seqr-recon archive` moved out of the database, oldest first.
SELECT close_id, shop_id, close_seq, slot, state, label_period_id, error FROM closes
WHERE shop_id = $shop_id AND archived_at IS NOT NULL ORDER BY close_seq
