-- An exception has a life: accountants acknowledge it, snooze it, resolve it, reopen it. Every
-- change is kept (the audit trail); an item's state is its latest change.

CREATE TABLE item_events (
    shop_id    VARCHAR NOT NULL,
    item_key   VARCHAR NOT NULL,   -- 'P:file:line', 'S:ersReference[#n]' or 'I:invoiceReference'
    reference  VARCHAR NOT NULL,   -- the ersReference or invoice reference the accountant named
    event      VARCHAR NOT NULL CHECK (event IN ('acknowledged', 'snoozed', 'resolved', 'reopened')),
    until      DATE,               -- snoozed: the shop's day it is listed again
    how        VARCHAR,            -- resolved: refund, correction, write-off or confirmed
    note       VARCHAR NOT NULL,   -- why, in the accountant's words
    by_user    VARCHAR NOT NULL,
    event_at   TIMESTAMP NOT NULL  -- UTC
);

-- The resolutions made before items had a life. A rejected probable match names a pair, not an
-- item: it stays only in exception_resolutions.
INSERT INTO item_events
SELECT f.shop_id, r.item_key, f.reference, 'resolved', NULL, r.how, r.why, r.resolved_by, r.resolved_at
FROM exception_resolutions r JOIN item_firsts f ON f.item_key = r.item_key
WHERE r.how <> 'rejected';

-- Each item's latest change, of any of the keys it has been shown under.
CREATE VIEW item_states AS
SELECT shop_id, item_key, arg_max(reference, event_at) AS reference, arg_max(event, event_at) AS event,
       arg_max(until, event_at) AS until, arg_max(how, event_at) AS how, arg_max(note, event_at) AS note,
       arg_max(by_user, event_at) AS by_user, max(event_at) AS event_at
FROM item_events
GROUP BY shop_id, item_key;

-- Advice an accountant acts on: what to check and whom to ask, never a command (the operator's
-- alert names those).
UPDATE categories SET action = CASE category
    WHEN 'AMOUNT_MISMATCH' THEN 'The till recorded a different amount than SEQR charged. Check the receipt with the cashier: if the till is wrong, correct the sale in the books; if the customer paid too much, ask the back office to refund the difference through SEQR.'
    WHEN 'MISSING_LOCALLY' THEN 'SEQR took this payment but the till has no record of it. Ask the cashier on duty at that time for the sale: if the goods left the shop, record the sale in the books; if there was no sale, ask the back office to refund the customer through SEQR.'
    WHEN 'UNPOLLED_REVERSED' THEN 'The customer paid, but SEQR gave the money back because the till stopped checking, so the shop was not paid. Ask the cashier whether the goods left the shop: if they did, ask the customer to pay again; if not, nothing is owed.'
    WHEN 'PROBABLE_MATCH' THEN 'A till record and a SEQR payment look like the same sale under different references. Compare the receipt with the cashier and tell the back office whether it is the same sale, so they confirm or reject the match.'
    ELSE action END;

-- What an item puts at risk, for the books or the customer: always positive. A probable match
-- is either side's whole amount until someone confirms it; every other item, its difference,
-- else its one side's amount.
CREATE MACRO at_risk(category, local_amount, seqr_amount, difference) AS
    CAST(CASE WHEN category = 'PROBABLE_MATCH' THEN greatest(abs(local_amount), abs(seqr_amount))
              ELSE abs(coalesce(difference, local_amount, seqr_amount, 0)) END AS DECIMAL(18,5));

-- Each item shown as an exception, once, in its latest state: the row of the latest close that
-- showed it (a later row under any of its keys supersedes an earlier one, so a sale shown first
-- without its post and then with it is one item). Totals over items are taken from here: every
-- close repeats its open items, so summing recon_results counts an item once per close.
CREATE VIEW items_current AS
WITH shown AS (
    SELECT i.*, row_number() OVER () AS row_id FROM recon_items i WHERE i.category <> 'MATCHED'
),
keyed AS (
    SELECT shop_id, close_seq, row_id, unnest([local_key, seqr_key, invoice_key]) AS item_key FROM shown
),
key_last AS (
    SELECT shop_id, item_key, max(close_seq) AS close_seq FROM keyed WHERE item_key IS NOT NULL GROUP BY ALL
),
latest AS (
    SELECT k.row_id FROM keyed k JOIN key_last l ON l.shop_id = k.shop_id AND l.item_key = k.item_key
    GROUP BY k.row_id HAVING bool_and(k.close_seq = l.close_seq)
),
firsts AS (
    SELECT k.row_id, min(f.close_seq) AS first_close_seq FROM keyed k
    JOIN item_firsts f ON f.shop_id = k.shop_id AND f.item_key = k.item_key
    GROUP BY k.row_id
),
states AS (
    SELECT k.row_id, arg_max(s, s.event_at) AS s FROM keyed k
    JOIN item_states s ON s.shop_id = k.shop_id AND s.item_key = k.item_key
    GROUP BY k.row_id
),
latest_close AS (SELECT shop_id, max(close_seq) AS close_seq FROM close_cursors GROUP BY shop_id)
SELECT s.shop_id, coalesce(s.seqr_key, s.invoice_key, s.local_key) AS item_key, s.category,
       coalesce(f.first_close_seq, s.close_seq) AS first_close_seq,
       fp.marked_at AS first_seen_at,
       s.close_seq AS last_close_seq,
       s.close_seq = lc.close_seq AS listed_now,
       CASE WHEN s.category = 'LATE_MATCHED' THEN 'matched'
            WHEN st.s.event = 'resolved' AND st.s.event_at >= lp.marked_at THEN 'resolved'
            WHEN st.s.event IN ('acknowledged', 'snoozed') THEN st.s.event
            ELSE 'open' END AS state,
       coalesce(st.s.event = 'reopened' OR (st.s.event = 'resolved' AND st.s.event_at < lp.marked_at), false) AS reopened,
       st.s.until AS snoozed_until, st.s.how AS resolved_how, st.s.note AS state_note,
       st.s.by_user AS state_by, st.s.event_at AS state_at,
       s.item_period_id AS period_id, s.terminal_id, t.name AS terminal_name, s.cashier_id,
       s.ers_reference, s.invoice_reference, s.local_amount, s.seqr_amount, s.difference,
       at_risk(s.category, s.local_amount, s.seqr_amount, s.difference) AS at_risk,
       s.posted_at, s.detail
FROM shown s SEMI JOIN latest USING (row_id)
LEFT JOIN firsts f USING (row_id)
LEFT JOIN states st USING (row_id)
LEFT JOIN latest_close lc ON lc.shop_id = s.shop_id
LEFT JOIN terminals t ON t.terminal_id = s.terminal_id
LEFT JOIN (SELECT shop_id, close_seq, min(marked_at) AS marked_at FROM periods GROUP BY ALL) fp
  ON fp.shop_id = s.shop_id AND fp.close_seq = coalesce(f.first_close_seq, s.close_seq)
LEFT JOIN (SELECT shop_id, close_seq, max(marked_at) AS marked_at FROM periods GROUP BY ALL) lp
  ON lp.shop_id = s.shop_id AND lp.close_seq = s.close_seq;

-- An amount as the detail sentences show it: two decimals unless it has more (127.63, 0.12345).
CREATE MACRO amount_text(x) AS
    CASE WHEN x = round(x, 2) THEN CAST(CAST(x AS DECIMAL(18,2)) AS VARCHAR)
         ELSE rtrim(CAST(x AS VARCHAR), '0') END;
