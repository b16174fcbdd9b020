-- seqr-recon schema, version 4: exactly once, and nothing lost silently.
-- Documented in docs/analyst.md.

-- An email is marked as being handed to SMTP before the hand-over. One with
-- sending_at set and no sent_at may have been delivered (the process stopped
-- between SMTP's acceptance and the record of it): it is never sent again by
-- itself, only by `seqr-recon resend`.
ALTER TABLE emails ADD COLUMN sending_at TIMESTAMP;

-- Every back-office refund, recorded before refundPayment is sent.
-- outcome: 'sending' (the call is in flight, or the process stopped during it),
-- 'done' (SEQR's refund reference is known), 'refused' (SEQR said no and did
-- nothing), 'unknown' (no clean answer: SEQR may have refunded). A close links
-- an 'unknown' or 'sending' attempt to SEQR's refund row when it appears.
CREATE TABLE refund_attempts (
    attempt_id              VARCHAR PRIMARY KEY,
    original_ers_reference  VARCHAR NOT NULL,
    shop_id                 VARCHAR NOT NULL,
    terminal_id             VARCHAR,
    amount                  DECIMAL(18,5) NOT NULL,   -- positive: what was to be given back
    reason                  VARCHAR,
    attempted_by            VARCHAR NOT NULL,
    attempted_at            TIMESTAMP NOT NULL,
    outcome                 VARCHAR NOT NULL CHECK (outcome IN ('sending', 'done', 'refused', 'unknown')),
    refund_ers_reference    VARCHAR,                  -- SEQR's, once known
    detail                  VARCHAR                   -- the error, or how it was linked
);

-- POS files refused at ingest, per shop named in them, so the shop's report
-- says its till data is incomplete.
CREATE TABLE pos_file_refusals (
    file_name    VARCHAR NOT NULL,
    sha256       VARCHAR NOT NULL,
    shop_id      VARCHAR NOT NULL,
    row_count    BIGINT NOT NULL,                      -- data rows of this shop in the file
    problems     BIGINT NOT NULL,                      -- bad rows found
    refused_at   TIMESTAMP NOT NULL,
    reported_in_close VARCHAR,                        -- the close whose report first named it
    PRIMARY KEY (sha256, shop_id)
);
