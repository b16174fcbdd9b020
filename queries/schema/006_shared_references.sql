-- seqr-recon schema, version 6: refunds, in every shape tills and SEQR record them.
-- Documented in docs/analyst.md and README's category table.

INSERT INTO categories VALUES
    ('REFUND_UNMATCHED', true, 'The till recorded a refund that SEQR does not show (under its reference, or, when booked under the payment''s reference, as a refund of that amount on that till near that time); check in SEQR whether the customer was refunded before paying anything back, and correct the till record if not.');
INSERT INTO categories VALUES
    ('REFUND_MISSING_LOCALLY', true, 'SEQR gave this money back to the customer but the till has no record of the refund; record the refund in the books with the cashier. Do not refund again: the customer already has the money.');
