-- Whether a SEQR refund row is already some refund's.
SELECT count(*) > 0 FROM refunds WHERE refund_ers_reference = $refund_ers
