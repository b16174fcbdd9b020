-- seqr-recon schema, version 12: a refund SEQR made moments before the close is
-- in transit too, and its advice says so (it spoke only of payments).
UPDATE categories
SET action = 'SEQR took this payment, or made this refund, in the last moments before the close, and the till''s record usually follows within seconds; do nothing now: the next close matches it (LATE_MATCHED) or lists it as MISSING_LOCALLY (a refund: REFUND_MISSING_LOCALLY).'
WHERE category = 'IN_TRANSIT';
