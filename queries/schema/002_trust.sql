-- seqr-recon schema, version 2: second-pass matching, self-checks, provenance,
-- plain-language actions and the analyst views. Documented in docs/analyst.md.

-- What each category means and what the accountant should do, in one sentence
-- each; exceptions.csv and v_exceptions_open carry `action` from here.
CREATE TABLE categories (
    category  VARCHAR PRIMARY KEY,
    is_exception BOOLEAN NOT NULL,
    action    VARCHAR NOT NULL
);
INSERT INTO categories VALUES
    ('MATCHED', false, 'Nothing to do: the till and SEQR agree.'),
    ('LATE_MATCHED', false, 'Nothing to do: this was open in an earlier period and now agrees.'),
    ('AMOUNT_MISMATCH', true, 'The till recorded a different amount than SEQR charged; check the receipt and correct the till record or refund the difference with seqr-recon refund.'),
    ('TERMINAL_MISMATCH', true, 'The sale was booked on another till than the one SEQR paid; move it to the right till in the books, no money is missing.'),
    ('MISSING_AT_SEQR', true, 'The till recorded a SEQR payment that SEQR does not have, so the money was probably never received; check with the cashier and ask the customer to pay again if the goods left the shop.'),
    ('MISSING_LOCALLY', true, 'SEQR took this payment but the till has no record of it; find the sale with the cashier and record it, or refund the customer with seqr-recon refund.'),
    ('DUPLICATE_LOCAL', true, 'The till recorded the same payment more than once; remove the extra copy from the books, the customer paid only once.'),
    ('UNPOLLED_REVERSED', true, 'The customer may have paid and been refunded automatically because the till stopped checking; confirm with the cashier whether goods left the shop.'),
    ('SUMMARY_MISMATCH', true, 'SEQR''s own summary does not add up to its transaction list; do not book this period until SEQR support explains the difference.'),
    ('PROBABLE_MATCH', true, 'A till record and a SEQR payment look like the same sale under different references; confirm or reject it with seqr-recon exception resolve.');

-- Confidence of a PROBABLE_MATCH (0 to 1); NULL for every other category.
ALTER TABLE recon_results ADD COLUMN score DECIMAL(4,3);

-- What the parser read from each report, so the self-check can prove the store kept all of it.
ALTER TABLE seqr_reports ADD COLUMN parsed_rows BIGINT;
ALTER TABLE seqr_reports ADD COLUMN parsed_total DECIMAL(18,5);
ALTER TABLE seqr_reports ADD COLUMN client_reference VARCHAR;

-- Every SEQR answer a close's mark and reports got (REPORT_NOT_READY ones too), by hash.
CREATE TABLE soap_responses (
    close_id          VARCHAR NOT NULL,
    operation         VARCHAR NOT NULL,
    client_reference  VARCHAR NOT NULL,
    period_id         VARCHAR,
    report_id         VARCHAR,
    result_code       INTEGER NOT NULL,   -- 0 success, 2 REPORT_NOT_READY
    response_sha256   VARCHAR NOT NULL,
    received_at       TIMESTAMP NOT NULL
);

-- One row per reconciliation of a close: the inputs it used.
CREATE TABLE close_inputs (
    close_id         VARCHAR NOT NULL,
    run_id           VARCHAR NOT NULL,
    reconciled_at    TIMESTAMP NOT NULL,
    config_snapshot  VARCHAR NOT NULL,    -- the config file, secrets removed
    pos_files        VARCHAR[] NOT NULL   -- sha256 of every POS file loaded by then, in load order
);

-- Each self-check failure of a close; the close stops before emailing.
CREATE TABLE check_failures (
    close_id    VARCHAR NOT NULL,
    run_id      VARCHAR NOT NULL,
    checked_at  TIMESTAMP NOT NULL,
    check_name  VARCHAR NOT NULL,
    detail      VARCHAR NOT NULL
);

-- Open exceptions: each shop's latest classification, minus those resolved by hand.
CREATE VIEW v_exceptions_open AS
WITH latest AS (SELECT shop_id, max(close_seq) AS close_seq FROM recon_results GROUP BY shop_id)
SELECT r.shop_id, r.category, r.item_period_id AS period_id, r.period_id AS last_seen_period_id,
       r.terminal_id, r.cashier_id, r.ers_reference, r.invoice_reference,
       r.local_amount, r.seqr_amount, r.difference, r.posted_at, r.detail, c.action, r.score,
       r.local_key, r.seqr_key, r.invoice_key
FROM recon_results r
JOIN latest USING (shop_id, close_seq)
JOIN categories c ON c.category = r.category
WHERE c.is_exception
  AND NOT EXISTS (
      SELECT 1 FROM exception_resolutions x
      WHERE x.item_key IN (r.local_key, r.seqr_key, r.invoice_key));

-- One row per close: its state, timings and outcome.
CREATE VIEW v_runs AS
SELECT c.close_id, c.shop_id, c.close_seq, c.label_period_id AS period_id, c.state, c.error,
       c.created_at, c.updated_at,
       min(r.started_at) AS first_step_at, max(r.finished_at) AS last_step_at,
       count(r.step) AS steps,
       count(r.step) FILTER (WHERE r.outcome NOT IN ('ok', 'queued')) AS failed_steps,
       (SELECT count(*) FROM recon_results x JOIN categories k ON k.category = x.category
         WHERE x.shop_id = c.shop_id AND x.close_seq = c.close_seq AND k.is_exception) AS exceptions
FROM closes c LEFT JOIN runs r ON r.close_id = c.close_id
GROUP BY ALL;

-- One row per period: SEQR's detail and summary totals, and the exceptions of its close.
CREATE VIEW v_period_totals AS
SELECT p.shop_id, p.period_id, p.terminal_id, p.close_seq, p.marked_at,
       (SELECT count(*) FROM seqr_rows r WHERE r.period_id = p.period_id) AS seqr_detail_count,
       (SELECT coalesce(sum(amount), 0) FROM seqr_rows r WHERE r.period_id = p.period_id)::DECIMAL(18,5) AS seqr_detail_total,
       (SELECT sum(sales_count) FROM seqr_summaries s WHERE s.period_id = p.period_id) AS seqr_summary_count,
       (SELECT sum(sales_total) FROM seqr_summaries s WHERE s.period_id = p.period_id)::DECIMAL(18,5) AS seqr_summary_total,
       (SELECT count(*) FROM recon_results x JOIN categories k ON k.category = x.category
         WHERE x.shop_id = p.shop_id AND x.close_seq = p.close_seq AND k.is_exception
           AND x.item_period_id = p.period_id) AS exceptions
FROM periods p;

-- Probable matches still waiting for an accountant.
CREATE VIEW v_probable_matches AS
SELECT shop_id, period_id, last_seen_period_id, terminal_id, ers_reference AS seqr_ers_reference,
       local_key, seqr_key, local_amount, seqr_amount, difference, posted_at, score, detail
FROM v_exceptions_open
WHERE category = 'PROBABLE_MATCH';
