-- seqr-recon schema, version 5: payments caught at the cut.
-- Documented in docs/analyst.md and README's category table.

INSERT INTO categories VALUES
    ('IN_TRANSIT', true, 'SEQR took this payment in the last moments before the close and the till''s post usually follows within seconds; do nothing now: the next close matches it (LATE_MATCHED) or lists it as MISSING_LOCALLY.');
