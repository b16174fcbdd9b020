-- The closes `seqr-recon archive` moves out now: of the shops in $shops, the complete closes
-- whose slot is before $before, not yet archived, but each shop's latest close.
CREATE OR REPLACE TEMP TABLE archiving AS
SELECT c.shop_id, c.close_seq, c.close_id, c.label_period_id FROM closes c
WHERE c.shop_id IN (SELECT unnest(CAST($shops AS VARCHAR[])))
  AND c.slot < $before AND c.archived_at IS NULL AND c.state IN ('exported', 'emailed')
  AND c.close_seq < (SELECT l.close_seq FROM latest_closes l WHERE l.shop_id = c.shop_id)
