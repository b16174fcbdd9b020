-- Classifies every open item of each close in $closes ({shop_id, close_seq},
-- at most one close per shop), all in one statement: planning this query
-- costs ten times what running it costs for a small shop, so a run closing
-- many shops classifies the closes that are ready together. Everything a
-- close reads and joins is its own shop's: every join and window below
-- carries shop_id.
--
-- Open items: local posts due by this close's marks and SEQR rows of this and
-- earlier closes that no earlier close matched and nobody resolved by hand.
-- Keys: 'P:file_id:line' (post), 'S:ersReference' (SEQR row; 'S:ersReference#n' for the
-- n-th distinct row SEQR lists under one reference, such as a payment's refund),
-- 'I:invoiceReference' (journal).
-- Categories are documented in docs/operator.md ("Reconciliation categories").
-- A post (or invoice) is due when made before its period's mark. The mark time
-- comes from the period id, in whole seconds, so "before" means before the end
-- of that second: a post written in the same second as the mark belongs to it.
-- The result goes to the temporary table round_items, with two more columns
-- (post_reference, the post's own ersReference, and seqr_n), from which
-- 20_record.sql and the statements after it store it.
CREATE OR REPLACE TEMP TABLE round_items AS
WITH
todo AS (SELECT unnest(CAST($closes AS STRUCT(shop_id VARCHAR, close_seq BIGINT)[]), recursive := true)),
cur AS (
    SELECT p.shop_id, p.period_id, p.terminal_id, p.marked_at FROM periods p
    SEMI JOIN todo t ON t.shop_id = p.shop_id AND t.close_seq = p.close_seq
),
-- Each close with its label period and its cuts: the shop-level mark, else the latest mark.
cuts AS (
    SELECT t.shop_id, t.close_seq, any_value(c.label_period_id) AS label_period,
           max(p.marked_at) FILTER (WHERE p.terminal_id IS NULL) AS shop_cut_at,
           max(p.period_id) FILTER (WHERE p.terminal_id IS NULL) AS shop_period,
           max(p.marked_at) AS any_cut_at
    FROM todo t
    LEFT JOIN closes c ON c.shop_id = t.shop_id AND c.close_seq = t.close_seq
    LEFT JOIN cur p ON p.shop_id = t.shop_id
    GROUP BY t.shop_id, t.close_seq
),
-- What this close reads. Every post, SEQR row and invoice is new to the close
-- (loaded or reported since the shop's previous close, or not yet due then), an
-- item an earlier close left open, or settled. The close reads the first two,
-- every row sharing a reference with them (copies, a payment's refund), and
-- what earlier closes stored of those references (schema/013_item_ledger.sql):
-- never the shop's whole history.
since AS (FROM previous_cursors($closes)),
-- The items earlier closes showed and left open (schema/016_open_items.sql).
carried AS (FROM open_items_of($closes)),
-- SEQR's rows of this close's periods (schema/017_seqr_rows_of_closes.sql).
cur_rows AS MATERIALIZED (FROM seqr_rows_of_closes($closes)),
-- A shop's first close reads all its invoices (and posts_new_to all its posts).
first_closes AS (SELECT shop_id FROM todo ANTI JOIN since s ON s.shop_id = todo.shop_id),
active AS MATERIALIZED (
    SELECT shop_id, ers_reference AS reference FROM posts_new_to($closes)
    UNION
    SELECT shop_id, ers_reference FROM cur_rows
    UNION
    SELECT shop_id, reference FROM carried WHERE item_key LIKE 'P:%' OR item_key LIKE 'S:%'
),
-- ersReferences begin with their time. The references made since the round's
-- earliest previous mark (recent: nearly all of them) are read as one range.
-- The older ones are those of the items left open, whose rows the shop's
-- previous classification kept (schema/022_kept_rows.sql), and the few others
-- (a refund booked under an old payment's reference, an item reopened by
-- hand), each looked up by itself through the join alone: DuckDB then reads
-- only the row groups that may hold them (session.sql), where one range from
-- the oldest would read every row since.
night_refs_from AS (SELECT coalesce(strftime(min(first_mark_at), '%Y%m%d%H%M%S'), '') AS reference FROM since),
recent AS MATERIALIZED (SELECT * FROM active WHERE reference >= (SELECT reference FROM night_refs_from)),
older AS MATERIALIZED (SELECT * FROM active WHERE reference < (SELECT reference FROM night_refs_from)),
kept AS MATERIALIZED (
    SELECT o.* FROM older o SEMI JOIN kept_references_of($closes) k ON k.shop_id = o.shop_id AND k.reference = o.reference
),
looked_up AS MATERIALIZED (SELECT o.* FROM older o ANTI JOIN kept k ON k.shop_id = o.shop_id AND k.reference = o.reference),
-- Where each looked-up reference's night ends (schema/023_late_references.sql): its rows are
-- in POS files up to last_file_id and settled up to close_seq, or noted in late_references.
-- One no close of its shop was marked after (the shop's first close, closing with others that
-- have closed before) is read whole.
looked_up_until AS MATERIALIZED (
    SELECT a.shop_id, a.reference, coalesce(min(e.last_file_id), 9223372036854775807) AS last_file_id,
           coalesce(min(e.close_seq), 9223372036854775807) AS close_seq
    FROM looked_up a LEFT JOIN night_ends_of($closes) e ON e.shop_id = a.shop_id AND e.first_mark_reference > a.reference
    GROUP BY a.shop_id, a.reference
),
-- A note is always of a later close than the one where the reference's night ended (a file
-- after that close's is first read by a later close): joined on that, DuckDB reads only the
-- notes after the earliest such close.
looked_up_late AS MATERIALIZED (
    SELECT l.shop_id, l.close_seq, l.reference, l.file_id FROM late_references l
    JOIN looked_up_until a ON a.shop_id = l.shop_id AND a.reference = l.reference AND l.close_seq > a.close_seq
    WHERE l.file_id > a.last_file_id OR l.file_id IS NULL
),
-- Every row under these references: the recent ones read between their least
-- and greatest first, so only that part of each table is scanned (and never
-- hashed whole). A window is not materialized: its rows stream into the join
-- that keeps those of the references, and a window holds every shop's rows of
-- those hours. A looked-up reference's posts are read in the files up to where
-- its night ended, the files late_references notes for it, and the files loaded
-- since the previous close (noted after this close); with nothing looked up,
-- the bound -1 lets DuckDB skip every row group, where none would read them all.
posts_window AS NOT MATERIALIZED (
    SELECT p.shop_id, p.file_id, p.line, p.terminal_id, p.cashier_id, p.ers_reference, p.invoice_reference, p.amount,
           p.posted_at, p.kind
    FROM pos_posts p
    WHERE p.ers_reference >= (SELECT min(reference) FROM recent) AND p.ers_reference <= (SELECT max(reference) FROM recent)
),
shop_posts AS MATERIALIZED (
    SELECT p.* FROM posts_window p SEMI JOIN recent a ON a.shop_id = p.shop_id AND a.reference = p.ers_reference
    UNION ALL
    SELECT p.shop_id, p.file_id, p.line, p.terminal_id, p.cashier_id, p.ers_reference, p.invoice_reference, p.amount,
           p.posted_at, p.kind
    FROM pos_posts p
    SEMI JOIN looked_up_until a ON a.shop_id = p.shop_id AND a.reference = p.ers_reference AND p.file_id <= a.last_file_id
    WHERE p.file_id <= coalesce((SELECT max(last_file_id) FROM looked_up_until), -1)
    UNION ALL
    SELECT p.shop_id, p.file_id, p.line, p.terminal_id, p.cashier_id, p.ers_reference, p.invoice_reference, p.amount,
           p.posted_at, p.kind
    FROM pos_posts p
    SEMI JOIN looked_up_late l ON l.shop_id = p.shop_id AND l.file_id = p.file_id AND l.reference = p.ers_reference
    UNION ALL
    SELECT p.shop_id, p.file_id, p.line, p.terminal_id, p.cashier_id, p.ers_reference, p.invoice_reference, p.amount,
           p.posted_at, p.kind
    FROM pos_posts p JOIN since s ON s.shop_id = p.shop_id AND p.file_id > s.last_file_id
    SEMI JOIN looked_up_until a ON a.shop_id = p.shop_id AND a.reference = p.ers_reference AND p.file_id > a.last_file_id
    UNION ALL
    SELECT p.* FROM kept_posts_of($closes) p SEMI JOIN kept a ON a.shop_id = p.shop_id AND a.reference = p.ers_reference
),
seqr_window AS NOT MATERIALIZED (
    SELECT r.* FROM seqr_rows r
    WHERE r.ers_reference >= (SELECT min(reference) FROM recent) AND r.ers_reference <= (SELECT max(reference) FROM recent)
),
shop_seqr_rows AS MATERIALIZED (
    SELECT r.* FROM seqr_window r SEMI JOIN recent a ON a.shop_id = r.shop_id AND a.reference = r.ers_reference
    UNION ALL
    SELECT r.* FROM seqr_rows r SEMI JOIN looked_up a ON a.shop_id = r.shop_id AND a.reference = r.ers_reference
    UNION ALL
    SELECT r.* FROM kept_seqr_rows_of($closes) r SEMI JOIN kept a ON a.shop_id = r.shop_id AND a.reference = r.ers_reference
),
-- The periods of the rows read, numbered in period id order. SEQR's rows carry
-- the number instead of the 25-digit id through the pairing, and the output
-- turns it back into the id: a million copies of the id made the
-- million-row close spill more at 512 MB. Period ids begin with their time:
-- periods is read between the least and greatest of them, as
-- seqr_rows_of_closes reads SEQR's rows.
round_period_ids AS (SELECT period_id FROM shop_seqr_rows UNION SELECT period_id FROM cur),
round_periods AS MATERIALIZED (
    SELECT p.shop_id, p.period_id, p.close_seq, p.marked_at, row_number() OVER (ORDER BY p.period_id) AS period_no
    FROM periods p
    SEMI JOIN round_period_ids x ON x.period_id = p.period_id
    WHERE p.period_id >= (SELECT min(period_id) FROM round_period_ids)
      AND p.period_id <= (SELECT max(period_id) FROM round_period_ids)
),
-- Invoices sent since the previous close's first mark, less the window in which a
-- SEQR payment names the invoice it probably paid (for this close's rows and the
-- open ones), or loaded since; and the open invoice items.
invoices_from AS (
    SELECT s.shop_id, least(s.first_mark_at, min(try_strptime(substr(o.reference, 1, 14), '%Y%m%d%H%M%S')))
                      - to_seconds(CAST($unpolled_window AS BIGINT)) AS sent_from
    FROM since s LEFT JOIN carried o ON o.shop_id = s.shop_id AND o.item_key LIKE 'S:%'
    GROUP BY s.shop_id, s.first_mark_at
),
active_invoices AS MATERIALIZED (
    SELECT i.shop_id, i.invoice_reference FROM pos_invoices i JOIN first_closes f ON f.shop_id = i.shop_id
    UNION
    SELECT i.shop_id, i.invoice_reference FROM pos_invoices i
    JOIN since s ON s.shop_id = i.shop_id AND i.file_id > s.last_file_id
    UNION
    SELECT i.shop_id, i.invoice_reference FROM pos_invoices i
    JOIN invoices_from s ON s.shop_id = i.shop_id AND i.sent_at >= s.sent_from
    UNION
    SELECT shop_id, reference FROM carried WHERE item_key LIKE 'I:%'
),
shop_invoices AS (
    SELECT i.* FROM pos_invoices i
    SEMI JOIN active_invoices a ON a.shop_id = i.shop_id AND a.invoice_reference = i.invoice_reference
),
-- Settled posts, SEQR rows and invoices by the columns they are joined on
-- below: what earlier closes matched under these references (the recent ones
-- read between their least and greatest first, as the windows above), and what
-- an accountant resolved by hand (in whichever shop has it). A post's file and
-- line name it in whichever shop.
-- The hand resolutions of the rows read, with the shop whose rows they name (a
-- resolution's key names rows, not a shop): every other resolution is of rows
-- this round does not read. A post's resolution is found by the post's key, so
-- no resolution's key is taken apart.
round_resolutions AS MATERIALIZED (
    SELECT p.shop_id, r.* FROM exception_resolutions r
    JOIN (SELECT DISTINCT shop_id, 'P:' || CAST(file_id AS VARCHAR) || ':' || CAST(line AS VARCHAR) AS k FROM shop_posts) p
      ON p.k = r.item_key
    UNION ALL
    SELECT s.shop_id, r.* FROM exception_resolutions r
    JOIN (SELECT DISTINCT shop_id, ers_reference FROM shop_seqr_rows) s
      ON s.ers_reference = split_part(substr(r.item_key, 3), '#', 1)
    WHERE r.item_key LIKE 'S:%'
    UNION ALL
    SELECT a.shop_id, r.* FROM exception_resolutions r
    JOIN active_invoices a ON r.item_key = 'I:' || a.invoice_reference
    WHERE r.item_key LIKE 'I:%'
),
settled_window AS NOT MATERIALIZED (
    SELECT s.* FROM settled_items s
    WHERE s.reference >= (SELECT min(reference) FROM recent) AND s.reference <= (SELECT max(reference) FROM recent)
    UNION ALL
    -- No invoice to read: an empty range ('' is below every reference), not an unbounded one.
    SELECT s.* FROM settled_items s
    WHERE s.file_id IS NULL AND s.seqr_n IS NULL
      AND s.reference >= (SELECT min(invoice_reference) FROM active_invoices)
      AND s.reference <= coalesce((SELECT max(invoice_reference) FROM active_invoices), '')
),
settled_here AS MATERIALIZED (
    SELECT s.* FROM settled_window s SEMI JOIN recent a ON a.shop_id = s.shop_id AND a.reference = s.reference
    UNION ALL
    SELECT s.* FROM settled_items s
    SEMI JOIN looked_up_until a ON a.shop_id = s.shop_id AND a.reference = s.reference AND s.close_seq <= a.close_seq
    WHERE s.close_seq <= coalesce((SELECT max(close_seq) FROM looked_up_until), -1)
    UNION ALL
    SELECT s.* FROM settled_items s
    SEMI JOIN (SELECT * FROM looked_up_late WHERE file_id IS NULL) l
      ON l.shop_id = s.shop_id AND l.close_seq = s.close_seq AND l.reference = s.reference
    UNION ALL
    SELECT s.* FROM kept_settled_items_of($closes) s SEMI JOIN kept a ON a.shop_id = s.shop_id AND a.reference = s.reference
    UNION ALL
    SELECT s.* FROM settled_window s
    SEMI JOIN active_invoices a ON a.shop_id = s.shop_id AND a.invoice_reference = s.reference
    WHERE s.file_id IS NULL AND s.seqr_n IS NULL
),
settled_posts AS (
    SELECT s.file_id, s.line FROM settled_here s JOIN todo t ON t.shop_id = s.shop_id AND s.close_seq < t.close_seq
    WHERE s.file_id IS NOT NULL
    UNION
    SELECT CAST(split_part(item_key, ':', 2) AS BIGINT), CAST(split_part(item_key, ':', 3) AS BIGINT)
    FROM round_resolutions WHERE item_key LIKE 'P:%'
),
settled_seqr AS (
    SELECT s.shop_id, s.reference AS ers_reference, s.seqr_n AS n FROM settled_here s
    JOIN todo t ON t.shop_id = s.shop_id AND s.close_seq < t.close_seq
    WHERE s.seqr_n IS NOT NULL
    UNION ALL
    SELECT shop_id, split_part(substr(item_key, 3), '#', 1),
           coalesce(try_cast(nullif(split_part(substr(item_key, 3), '#', 2), '') AS BIGINT), 1)
    FROM round_resolutions WHERE item_key LIKE 'S:%'
),
settled_invoices AS (
    SELECT s.shop_id, 'I:' || s.reference AS k FROM settled_here s
    JOIN todo t ON t.shop_id = s.shop_id AND s.close_seq < t.close_seq
    WHERE s.file_id IS NULL AND s.seqr_n IS NULL
    UNION ALL
    SELECT shop_id, item_key FROM round_resolutions WHERE item_key LIKE 'I:%'
),
-- Settled posts and SEQR rows `seqr-recon archive` moved out of the database,
-- as settled_items keeps them: a later copy of such a post is still a copy, a
-- later row under such a row's reference is still numbered after it.
archived_posts AS (
    SELECT s.shop_id, s.file_id, s.line, s.terminal_id, NULL AS cashier_id, s.reference AS ers_reference,
           NULL AS invoice_reference, s.amount, s.posted_at, CASE WHEN s.amount < 0 THEN 'REFUND' ELSE 'PAYMENT' END AS kind
    FROM settled_here s JOIN todo t ON t.shop_id = s.shop_id AND s.close_seq < t.close_seq
    WHERE s.archived AND s.file_id IS NOT NULL
),
archived_seqr AS (
    SELECT s.shop_id, s.close_seq, s.seqr_n AS row_no, s.terminal_id, s.amount, s.reference AS ers_reference
    FROM settled_here s JOIN todo t ON t.shop_id = s.shop_id AND s.close_seq < t.close_seq
    -- Archive moves out every row of a reference or none: one whose rows it kept has them still.
    ANTI JOIN (SELECT r.shop_id, r.ers_reference, p.close_seq FROM shop_seqr_rows r JOIN round_periods p ON p.period_id = r.period_id) x
      ON x.shop_id = s.shop_id AND x.ers_reference = s.reference AND x.close_seq <= s.close_seq
    WHERE s.archived AND s.seqr_n IS NOT NULL
),
-- Where and as what each item of these references was first shown as an exception
-- (the recent ones read between their least and greatest first, as the windows above).
earlier AS (
    SELECT f.shop_id, f.item_key AS k, f.close_seq, f.first_period, f.first_category, f.settled_close_seq FROM item_firsts f
    JOIN todo t ON t.shop_id = f.shop_id AND f.close_seq < t.close_seq
    SEMI JOIN recent a ON a.shop_id = f.shop_id AND a.reference = f.reference
    WHERE (f.item_key LIKE 'P:%' OR f.item_key LIKE 'S:%')
      AND f.reference >= (SELECT min(reference) FROM recent) AND f.reference <= (SELECT max(reference) FROM recent)
    UNION ALL
    SELECT f.shop_id, f.item_key AS k, f.close_seq, f.first_period, f.first_category, f.settled_close_seq FROM item_firsts f
    JOIN todo t ON t.shop_id = f.shop_id AND f.close_seq < t.close_seq
    SEMI JOIN older a ON a.shop_id = f.shop_id AND a.reference = f.reference
    WHERE f.item_key LIKE 'P:%' OR f.item_key LIKE 'S:%'
    UNION ALL
    SELECT f.shop_id, f.item_key, f.close_seq, f.first_period, f.first_category, f.settled_close_seq FROM item_firsts f
    JOIN todo t ON t.shop_id = f.shop_id AND f.close_seq < t.close_seq
    SEMI JOIN active_invoices a ON a.shop_id = f.shop_id AND a.invoice_reference = f.reference
    WHERE f.item_key LIKE 'I:%'
),
earlier_posts AS (
    SELECT shop_id, CAST(split_part(k, ':', 2) AS BIGINT) AS file_id, CAST(split_part(k, ':', 3) AS BIGINT) AS line,
           close_seq, first_period, first_category
    FROM earlier WHERE k LIKE 'P:%'
),
earlier_seqr AS (
    SELECT shop_id, split_part(substr(k, 3), '#', 1) AS ers_reference,
           coalesce(try_cast(nullif(split_part(substr(k, 3), '#', 2), '') AS BIGINT), 1) AS n, close_seq, first_period,
           first_category
    FROM earlier WHERE k LIKE 'S:%'
),
-- Local posts with the mark that decides whether they are due. The period a
-- post is due in (its terminal's, else the shop's) is looked up only for the
-- few rows that print it: carried on every post, those period ids made the
-- million-post classification spill more of its memory.
posts AS (
    SELECT p.shop_id, p.file_id, p.line, p.terminal_id, p.cashier_id, p.ers_reference, p.invoice_reference, p.amount,
           p.posted_at, p.kind,
           coalesce(tp.marked_at, c.shop_cut_at, c.any_cut_at) AS cutoff
    FROM (SELECT * FROM shop_posts UNION ALL SELECT * FROM archived_posts) p JOIN cuts c ON c.shop_id = p.shop_id
    LEFT JOIN cur tp ON tp.shop_id = p.shop_id AND tp.terminal_id = p.terminal_id
),
due AS (
    SELECT posts.* EXCLUDE (cutoff), (s.file_id IS NOT NULL) AS is_settled
    FROM posts LEFT JOIN settled_posts s ON s.file_id = posts.file_id AND s.line = posts.line
    WHERE posts.posted_at < posts.cutoff + INTERVAL 1 SECOND
),
-- Copies of one post: the same ersReference on the same side (a refund is
-- never a copy of its payment), and for refunds the same amount (one payment
-- may have several partial refunds). side_rank orders the distinct posts of
-- one reference and side, to pair them one to one with SEQR's rows. Only
-- references posted more than once are ranked (a window over every post
-- would sort them all).
dup_refs AS (SELECT shop_id, ers_reference FROM due GROUP BY shop_id, ers_reference HAVING count(*) > 1),
copies AS (
    SELECT d.*, row_number() OVER w AS copy_no,
           first_value(CAST(d.file_id AS VARCHAR) || ':' || CAST(d.line AS VARCHAR)) OVER w AS first_copy
    FROM due d SEMI JOIN dup_refs x ON x.shop_id = d.shop_id AND x.ers_reference = d.ers_reference
    WINDOW w AS (PARTITION BY d.shop_id, d.ers_reference, sign(d.amount), least(d.amount, 0)
                 ORDER BY d.is_settled DESC, d.posted_at, d.file_id, d.line)
),
ranked AS (
    SELECT d.*, 1 AS copy_no, NULL AS first_copy, 1 AS side_rank
    FROM due d ANTI JOIN dup_refs x ON x.shop_id = d.shop_id AND x.ers_reference = d.ers_reference
    UNION ALL
    SELECT c.*, row_number() OVER (PARTITION BY c.shop_id, c.ers_reference, sign(c.amount), c.copy_no = 1
                                   ORDER BY c.is_settled DESC, c.posted_at, c.file_id, c.line) AS side_rank
    FROM copies c
),
open_local AS (SELECT * FROM ranked WHERE NOT is_settled),
seqr_all AS (
    SELECT r.shop_id, pr.period_no, r.row_no, r.terminal_id, r.cashier_id, r.amount, r.ers_reference, pr.close_seq,
           pr.marked_at AS seqr_marked_at
    FROM shop_seqr_rows r JOIN round_periods pr ON pr.period_id = r.period_id
    JOIN todo t ON t.shop_id = r.shop_id AND pr.close_seq <= t.close_seq
    UNION ALL
    -- Ordered first in their close: archive moves out every row of a reference in a close, or none.
    SELECT shop_id, 0, row_no, terminal_id, NULL, amount, ers_reference, close_seq, NULL FROM archived_seqr
),
-- SEQR may list several rows under one reference (a payment and its refund).
-- Every distinct row is kept; a row repeated with the same terminal and amount
-- (a report fetched for two scopes) counts once. Rows of a shared reference
-- are numbered n (their key is 'S:ref#n' past the first, in the order SEQR
-- reported them, so keys never change) and side_rank among the payments or
-- the refunds of the reference. Only shared references are ranked.
seqr_dups AS (SELECT shop_id, ers_reference FROM seqr_all GROUP BY shop_id, ers_reference HAVING count(*) > 1),
seqr AS (
    SELECT a.*, 1 AS n, 1 AS side_rank FROM seqr_all a
    ANTI JOIN seqr_dups x ON x.shop_id = a.shop_id AND x.ers_reference = a.ers_reference
    UNION ALL
    SELECT d.*,
           row_number() OVER (PARTITION BY d.shop_id, d.ers_reference ORDER BY d.close_seq, d.period_no, d.row_no) AS n,
           row_number() OVER (PARTITION BY d.shop_id, d.ers_reference, sign(d.amount)
                              ORDER BY d.close_seq, d.period_no, d.row_no) AS side_rank
    FROM (
        SELECT a.* FROM seqr_all a SEMI JOIN seqr_dups x ON x.shop_id = a.shop_id AND x.ers_reference = a.ers_reference
        QUALIFY row_number() OVER (PARTITION BY a.shop_id, a.ers_reference, a.terminal_id, a.amount
                                   ORDER BY a.close_seq, a.period_no, a.row_no) = 1
    ) d
),
open_seqr AS (
    SELECT seqr.* FROM seqr
    ANTI JOIN settled_seqr s ON s.shop_id = seqr.shop_id AND s.ers_reference = seqr.ers_reference AND s.n = seqr.n
),
-- Refund posts the till booked under the payment's reference (many tills do):
-- SEQR lists no refund under that reference, but the payment. SEQR reports
-- the refund under its own new reference, so each such post is linked to an
-- open SEQR refund row of the same terminal and amount that no post names,
-- made closest to the post's time (at most $unpolled_window seconds apart),
-- when each is the other's closest.
open_refunds AS MATERIALIZED (SELECT * FROM open_local WHERE kind = 'REFUND' AND copy_no = 1),
-- What SEQR and the till hold under the references of open refund posts
-- (a few): read through those references, not by hashing a million rows.
refund_refs AS (SELECT DISTINCT shop_id, ers_reference FROM open_refunds),
refund_ref_rows AS (
    SELECT s.shop_id, s.ers_reference, s.amount FROM (
        SELECT shop_id, ers_reference, amount FROM shop_seqr_rows
        UNION ALL
        SELECT shop_id, ers_reference, amount FROM archived_seqr
    ) s
    SEMI JOIN refund_refs r ON r.shop_id = s.shop_id AND r.ers_reference = s.ers_reference
),
refund_ref_payments AS (
    SELECT p.shop_id, p.ers_reference FROM (SELECT * FROM shop_posts UNION ALL SELECT * FROM archived_posts) p
    SEMI JOIN refund_refs r ON r.shop_id = p.shop_id AND r.ers_reference = p.ers_reference
    WHERE p.kind = 'PAYMENT'
),
-- Refund posts under a reference SEQR lists no refund under, but a payment
-- (at SEQR or in the till).
named_refunds AS (
    SELECT l.* FROM open_refunds l
    ANTI JOIN (SELECT shop_id, ers_reference FROM refund_ref_rows WHERE amount < 0) refunded
      ON refunded.shop_id = l.shop_id AND refunded.ers_reference = l.ers_reference
    SEMI JOIN (SELECT shop_id, ers_reference FROM refund_ref_rows WHERE amount > 0
               UNION ALL
               SELECT shop_id, ers_reference FROM refund_ref_payments) paid
      ON paid.shop_id = l.shop_id AND paid.ers_reference = l.ers_reference
),
refund_candidates AS (
    SELECT r.shop_id, r.file_id, r.line, s.ers_reference AS refund_ers, s.side_rank,
           abs(epoch(r.posted_at) - epoch(try_strptime(substr(s.ers_reference, 1, 14), '%Y%m%d%H%M%S'))) AS gap
    FROM named_refunds r JOIN open_seqr s ON s.shop_id = r.shop_id AND s.amount = r.amount AND s.terminal_id = r.terminal_id
    ANTI JOIN shop_posts named ON named.shop_id = s.shop_id AND named.ers_reference = s.ers_reference
    WHERE s.amount < 0
      AND abs(epoch(r.posted_at) - epoch(try_strptime(substr(s.ers_reference, 1, 14), '%Y%m%d%H%M%S'))) <= $unpolled_window
),
refund_links AS (
    SELECT b.file_id, b.line, b.refund_ers, b.side_rank FROM
        (SELECT * FROM refund_candidates QUALIFY row_number() OVER (PARTITION BY file_id, line ORDER BY gap, refund_ers) = 1) b
    SEMI JOIN
        (SELECT * FROM refund_candidates
         QUALIFY row_number() OVER (PARTITION BY shop_id, refund_ers, side_rank ORDER BY gap, file_id, line) = 1) c
      ON c.file_id = b.file_id AND c.line = b.line AND c.refund_ers = b.refund_ers
),
-- The invoice journal: the latest row per invoice.
journal AS (
    SELECT i.*, 'I:' || i.invoice_reference AS k,
           coalesce(tp.marked_at, c.shop_cut_at, c.any_cut_at) AS cutoff,
           coalesce(tp.period_id, c.shop_period, c.label_period) AS due_period
    FROM shop_invoices i JOIN cuts c ON c.shop_id = i.shop_id
    LEFT JOIN cur tp ON tp.shop_id = i.shop_id AND tp.terminal_id = i.terminal_id
    QUALIFY row_number() OVER (PARTITION BY i.shop_id, i.invoice_reference ORDER BY i.file_id DESC, i.line DESC) = 1
),
posted_invoices AS (
    SELECT DISTINCT p.shop_id, p.invoice_reference FROM pos_posts p
    SEMI JOIN active_invoices a ON a.shop_id = p.shop_id AND a.invoice_reference = p.invoice_reference
),
unpolled AS (
    SELECT j.* FROM journal j
    ANTI JOIN posted_invoices pi ON pi.shop_id = j.shop_id AND pi.invoice_reference = j.invoice_reference
    ANTI JOIN settled_invoices s ON s.shop_id = j.shop_id AND s.k = j.k
    WHERE j.sent_at < j.cutoff + INTERVAL 1 SECOND AND coalesce(j.last_status, 'ISSUED') = 'ISSUED'
),
-- Items an accountant resolved by hand, and not matched since: a resolution
-- settles the item, and the other side of the same reference that arrives
-- later pairs with it (LATE_MATCHED, naming the resolution) instead of
-- raising a new exception. A resolved side alone is never shown again.
resolved AS (
    SELECT r.shop_id, r.item_key AS k, arg_max(r.how || ' by ' || r.resolved_by || ' (' || r.why || ')', r.resolved_at) AS resolution
    FROM round_resolutions r
    ANTI JOIN (SELECT e.shop_id, e.k FROM earlier e JOIN todo t ON t.shop_id = e.shop_id
               WHERE e.settled_close_seq < t.close_seq) m
      ON m.shop_id = r.shop_id AND m.k = r.item_key
    WHERE (r.item_key LIKE 'S:%' OR r.item_key LIKE 'P:%')
    GROUP BY r.shop_id, r.item_key
),
resolved_seqr_ids AS (
    SELECT shop_id, split_part(substr(k, 3), '#', 1) AS ers_reference,
           coalesce(try_cast(nullif(split_part(substr(k, 3), '#', 2), '') AS BIGINT), 1) AS n, resolution
    FROM resolved WHERE k LIKE 'S:%'
),
-- The resolved rows, numbered as `seqr` numbers them, from their references
-- only (the million other rows are not ranked again).
resolved_seqr AS (
    SELECT d.* EXCLUDE (resolution), r.resolution FROM (
        SELECT a.*,
               row_number() OVER (PARTITION BY a.shop_id, a.ers_reference ORDER BY a.close_seq, a.period_no, a.row_no) AS n,
               row_number() OVER (PARTITION BY a.shop_id, a.ers_reference, sign(a.amount)
                                  ORDER BY a.close_seq, a.period_no, a.row_no) AS side_rank,
               NULL AS resolution
        FROM seqr_all a SEMI JOIN resolved_seqr_ids x ON x.shop_id = a.shop_id AND x.ers_reference = a.ers_reference
        QUALIFY row_number() OVER (PARTITION BY a.shop_id, a.ers_reference, a.terminal_id, a.amount
                                   ORDER BY a.close_seq, a.period_no, a.row_no) = 1
    ) d JOIN resolved_seqr_ids r ON r.shop_id = d.shop_id AND r.ers_reference = d.ers_reference AND r.n = d.n
),
seqr_pool AS (
    SELECT *, NULL AS resolution FROM open_seqr
    UNION ALL
    SELECT * FROM resolved_seqr
),
-- Open posts with what they pair on. The few refund posts take the refund
-- joins; the million payments pass straight through.
local_side AS (
    SELECT l.*, l.ers_reference AS pair_ers, sign(l.amount) AS pair_side, l.side_rank AS pair_rank,
           false AS refund_linked, false AS named_refund, NULL AS resolution
    FROM open_local l WHERE l.copy_no = 1 AND l.kind <> 'REFUND'
    UNION ALL
    SELECT l.*, coalesce(k.refund_ers, l.ers_reference), sign(l.amount), coalesce(k.side_rank, l.side_rank),
           k.refund_ers IS NOT NULL, nr.file_id IS NOT NULL, NULL
    FROM open_refunds l
    LEFT JOIN refund_links k ON k.file_id = l.file_id AND k.line = l.line
    LEFT JOIN (SELECT file_id, line FROM named_refunds) nr ON nr.file_id = l.file_id AND nr.line = l.line
    UNION ALL
    -- Resolved posts, straight from the table (the million open posts are not ranked again).
    SELECT p.shop_id, p.file_id, p.line, p.terminal_id, p.cashier_id, p.ers_reference, p.invoice_reference, p.amount,
           p.posted_at, p.kind, true AS is_settled, 1 AS copy_no, NULL AS first_copy,
           1 AS side_rank, p.ers_reference, sign(p.amount), 1, false, false, r.resolution
    FROM shop_posts p
    JOIN (SELECT shop_id, CAST(split_part(k, ':', 2) AS BIGINT) AS file_id, CAST(split_part(k, ':', 3) AS BIGINT) AS line,
                 resolution
          FROM resolved WHERE k LIKE 'P:%') r
      ON r.shop_id = p.shop_id AND r.file_id = p.file_id AND r.line = p.line
),
-- Each open post against the SEQR row of its ersReference on its side (a
-- payment against a payment, a refund against a refund), or against the SEQR
-- refund row it was linked to.
pairs AS (
    SELECT coalesce(l.shop_id, s.shop_id) AS shop_id, l.file_id, l.line, (s.ers_reference IS NOT NULL) AS at_seqr,
           coalesce(l.refund_linked, false) AS refund_linked, coalesce(l.named_refund, false) AS named_refund,
           -- The post's own reference is printed for refunds only (see the details below).
           CASE WHEN l.kind = 'REFUND' THEN l.ers_reference END AS local_ers, l.kind AS local_kind, coalesce(s.n, 1) AS seqr_n,
           l.ers_reference AS post_reference,
           coalesce(s.terminal_id, l.terminal_id) AS terminal_id,
           l.terminal_id AS local_terminal,
           coalesce(l.cashier_id, s.cashier_id) AS cashier_id,
           coalesce(s.ers_reference, l.ers_reference) AS ers_reference,
           l.invoice_reference,
           l.amount AS local_amount, s.amount AS seqr_amount,
           l.posted_at, s.period_no AS seqr_period_no,
           s.close_seq AS seqr_close_seq, s.seqr_marked_at,
           coalesce(el.first_period, es.first_period) AS first_period,
           coalesce(el.first_category, es.first_category) AS first_category,
           least(el.close_seq, es.close_seq) AS first_close_seq, el.close_seq AS post_first_close_seq,
           coalesce(l.resolution, s.resolution) AS resolution
    -- One join key: the reference alone for a first payment (nearly every row),
    -- with the side and rank appended otherwise.
    FROM (SELECT *, CASE WHEN pair_side > 0 AND pair_rank = 1 THEN pair_ers
                         ELSE pair_ers || CASE WHEN pair_side < 0 THEN '|-' ELSE '|+' END || CAST(pair_rank AS VARCHAR) END
                    AS pair_key
          FROM local_side) l
    FULL OUTER JOIN (
        SELECT *, CASE WHEN amount > 0 AND side_rank = 1 THEN ers_reference
                       ELSE ers_reference || CASE WHEN amount < 0 THEN '|-' ELSE '|+' END || CAST(side_rank AS VARCHAR) END
                  AS pair_key
        FROM seqr_pool) s
      ON s.shop_id = l.shop_id AND s.pair_key = l.pair_key
    LEFT JOIN earlier_posts el ON el.shop_id = l.shop_id AND el.file_id = l.file_id AND el.line = l.line
    LEFT JOIN earlier_seqr es ON es.shop_id = s.shop_id AND es.ers_reference = s.ers_reference AND es.n = s.n
    -- A resolved side shows again only with its newly arrived other side.
    WHERE (l.resolution IS NULL OR s.ers_reference IS NOT NULL)
      AND (s.resolution IS NULL OR l.file_id IS NOT NULL)
      AND NOT (l.resolution IS NOT NULL AND s.resolution IS NOT NULL)
),
classified AS (
    SELECT p.*, t.close_seq,
        CASE
            -- Paid in the last moments before this close's mark: its post is
            -- usually written just after the mark, so wait a close before
            -- calling it missing (SEQR's time from the ersReference).
            WHEN p.file_id IS NULL AND p.seqr_close_seq = t.close_seq
                 AND try_strptime(substr(p.ers_reference, 1, 14), '%Y%m%d%H%M%S')
                     >= p.seqr_marked_at - to_seconds(CAST($in_transit_window AS BIGINT)) THEN 'IN_TRANSIT'
            -- SEQR gave money back and the till has no record: never "refund the customer".
            WHEN p.file_id IS NULL AND p.seqr_amount < 0 THEN 'REFUND_MISSING_LOCALLY'
            WHEN p.file_id IS NULL THEN 'MISSING_LOCALLY'
            WHEN NOT p.at_seqr AND p.local_kind = 'REFUND' THEN 'REFUND_UNMATCHED'
            WHEN NOT p.at_seqr THEN 'MISSING_AT_SEQR'
            WHEN p.local_amount <> p.seqr_amount THEN 'AMOUNT_MISMATCH'
            WHEN p.local_terminal IS DISTINCT FROM p.terminal_id THEN 'TERMINAL_MISMATCH'
            WHEN p.first_category IS NOT NULL THEN 'LATE_MATCHED'
            ELSE 'MATCHED'
        END AS category
    FROM pairs p JOIN todo t ON t.shop_id = p.shop_id
),
-- A MATCHED pair is stored compactly (no keys) unless its SEQR key is more
-- than 'S:' || ersReference or it needs a detail (a refund linked to its post).
classified_keyed AS (
    SELECT c.*, (c.category = 'MATCHED' AND NOT c.refund_linked AND c.seqr_n = 1) AS compact_match FROM classified c
),
-- Every pair not stored compactly, with its keys: few, and read by each pass
-- below, so kept rather than filtered out of every pair again for each.
unmatched AS MATERIALIZED (
    SELECT c.*,
           'P:' || CAST(c.file_id AS VARCHAR) || ':' || CAST(c.line AS VARCHAR) AS local_key,
           CASE WHEN c.at_seqr
                THEN 'S:' || c.ers_reference || CASE WHEN c.seqr_n > 1 THEN '#' || CAST(c.seqr_n AS VARCHAR) ELSE '' END
           END AS seqr_key
    FROM classified_keyed c WHERE NOT c.compact_match
),
-- A MISSING_LOCALLY row names the invoice it probably paid: an unpolled one
-- of the same terminal and amount, or a reservation the till last saw
-- RESERVED with no post, whose commit (at its final amount, at most the
-- reserved one) the till never recorded. The journal's latest row carries
-- the amount it knows (the committed one, once the till saw the commit).
-- An exact amount is preferred, then the nearest in time.
link_candidates AS (
    SELECT u.shop_id, u.invoice_reference, u.terminal_id, u.amount, u.sent_at, false AS reservation FROM unpolled u
    UNION ALL
    SELECT j.shop_id, j.invoice_reference, j.terminal_id, j.amount, j.sent_at, true FROM journal j
    ANTI JOIN posted_invoices pi ON pi.shop_id = j.shop_id AND pi.invoice_reference = j.invoice_reference
    WHERE j.last_status = 'RESERVED'
),
link_pairs AS (
    SELECT p.shop_id, p.seqr_key, u.invoice_reference,
           u.invoice_reference || CASE WHEN u.amount <> p.seqr_amount
                                       THEN ' (reserved ' || amount_text(u.amount) || ', committed at '
                                            || amount_text(p.seqr_amount) || ')' ELSE '' END AS named,
           u.amount <> p.seqr_amount AS inexact,
           abs(epoch(u.sent_at) - epoch(try_strptime(substr(p.ers_reference, 1, 14), '%Y%m%d%H%M%S'))) AS gap
    FROM unmatched p JOIN link_candidates u
      ON p.category = 'MISSING_LOCALLY' AND u.shop_id = p.shop_id AND u.terminal_id = p.terminal_id
     AND (u.amount = p.seqr_amount
          OR (u.reservation AND p.seqr_amount > 0 AND p.seqr_amount <= u.amount
              AND try_strptime(substr(p.ers_reference, 1, 14), '%Y%m%d%H%M%S') >= date_trunc('second', u.sent_at)))
     AND abs(epoch(u.sent_at) - epoch(try_strptime(substr(p.ers_reference, 1, 14), '%Y%m%d%H%M%S'))) <= $unpolled_window
),
-- One invoice names one payment: each is the other's best (exact amount first, then nearest in time).
links AS (
    SELECT b.shop_id, b.seqr_key, b.named AS invoice_reference FROM
        (SELECT * FROM link_pairs
         QUALIFY row_number() OVER (PARTITION BY shop_id, seqr_key ORDER BY inexact, gap, invoice_reference) = 1) b
    SEMI JOIN
        (SELECT * FROM link_pairs
         QUALIFY row_number() OVER (PARTITION BY shop_id, invoice_reference ORDER BY inexact, gap, seqr_key) = 1) c
      ON c.shop_id = b.shop_id AND c.seqr_key = b.seqr_key AND c.invoice_reference = b.invoice_reference
),
-- Second pass: a post and a SEQR row both still open, on the same terminal, with
-- amounts within $amount_tolerance and times (the post's, and SEQR's from the
-- ersReference) within $probable_window seconds, are proposed as one
-- PROBABLE_MATCH, never MATCHED. A pair is proposed when each is the other's
-- best candidate, and never again once an accountant rejected it.
-- Off while $probable_window is 0.
candidates AS (
    SELECT l.shop_id, l.local_key, s.seqr_key,
           abs(l.local_amount - s.seqr_amount) AS amount_gap,
           abs(epoch(l.posted_at) - epoch(try_strptime(substr(s.ers_reference, 1, 14), '%Y%m%d%H%M%S'))) AS time_gap
    FROM unmatched l JOIN unmatched s
      ON l.category = 'MISSING_AT_SEQR' AND s.category IN ('MISSING_LOCALLY', 'IN_TRANSIT')
     AND s.shop_id = l.shop_id AND s.terminal_id = l.local_terminal
    WHERE $probable_window > 0
      AND abs(l.local_amount - s.seqr_amount) <= $amount_tolerance
      AND abs(epoch(l.posted_at) - epoch(try_strptime(substr(s.ers_reference, 1, 14), '%Y%m%d%H%M%S'))) <= $probable_window
      AND 'X:' || l.local_key || '|' || s.seqr_key NOT IN (SELECT item_key FROM exception_resolutions)
),
scored AS (
    SELECT *, round(1 - amount_gap / ($amount_tolerance + 0.01) / 2 - time_gap / ($probable_window + 1) / 2, 3)::DECIMAL(4,3) AS score
    FROM candidates
),
probable AS (
    SELECT b.* FROM
        (SELECT * FROM scored QUALIFY row_number() OVER (PARTITION BY shop_id, local_key ORDER BY score DESC, seqr_key) = 1) b
    SEMI JOIN
        (SELECT * FROM scored QUALIFY row_number() OVER (PARTITION BY shop_id, seqr_key ORDER BY score DESC, local_key) = 1) c
      ON c.shop_id = b.shop_id AND c.local_key = b.local_key AND c.seqr_key = b.seqr_key
),
paired AS (SELECT shop_id, local_key AS k FROM probable UNION ALL SELECT shop_id, seqr_key FROM probable)
-- A MATCHED row is stored compactly, with the post's file and line instead of
-- its keys and invoice reference: the view recon_results gives them back
-- (schema/003_compact_matches.sql).
SELECT c.shop_id, c.close_seq, k.label_period AS period_id,
       sp.period_id AS item_period_id, 'MATCHED' AS category, NULL AS local_key, NULL AS seqr_key, NULL AS invoice_key,
       c.terminal_id, c.cashier_id, c.ers_reference, NULL AS invoice_reference,
       c.local_amount, c.seqr_amount, c.local_amount - c.seqr_amount AS difference, c.posted_at,
       NULL AS detail, NULL AS score, c.file_id AS local_file_id, c.line AS local_line,
       NULL AS first_close_seq, NULL AS post_first_close_seq, c.post_reference, 1 AS seqr_n
FROM classified_keyed c JOIN cuts k ON k.shop_id = c.shop_id
JOIN round_periods sp ON sp.period_no = c.seqr_period_no
WHERE c.compact_match
UNION ALL
SELECT c.shop_id, c.close_seq, k.label_period,
       coalesce(c.first_period, sp.period_id, CASE WHEN c.file_id IS NOT NULL THEN coalesce(tp.period_id, k.shop_period, k.label_period) END),
       c.category, c.local_key, c.seqr_key, NULL,
       c.terminal_id, c.cashier_id, c.ers_reference, c.invoice_reference,
       c.local_amount, c.seqr_amount,
       coalesce(c.local_amount, 0) - coalesce(c.seqr_amount, 0),
       c.posted_at,
       CASE c.category
           WHEN 'MISSING_LOCALLY' THEN
               CASE WHEN lk.invoice_reference IS NOT NULL
                    THEN 'possibly invoice ' || lk.invoice_reference || ' left unpolled'
                    ELSE 'SEQR has this payment; the POS has no post for it' END
           WHEN 'MISSING_AT_SEQR' THEN 'the POS posted this before the close; SEQR has no such transaction (possibly reversed)'
           WHEN 'AMOUNT_MISMATCH' THEN 'POS posted ' || amount_text(c.local_amount) || ', SEQR has ' || amount_text(c.seqr_amount)
           WHEN 'TERMINAL_MISMATCH' THEN 'POS posted it on terminal ' || c.local_terminal || ', SEQR has terminal ' || c.terminal_id
           WHEN 'MATCHED' THEN
               CASE WHEN c.refund_linked
                    THEN 'a refund the till booked under payment ' || c.local_ers || '''s reference; SEQR''s refund is ' || c.ers_reference
                    ELSE 'row ' || CAST(c.seqr_n AS VARCHAR) || ' SEQR lists under ersReference ' || c.ers_reference END
           WHEN 'REFUND_MISSING_LOCALLY' THEN 'SEQR refunded ' || amount_text(-c.seqr_amount) || ' to the customer; the till has no record of the refund'
           WHEN 'REFUND_UNMATCHED' THEN 'the till booked a refund of ' || amount_text(-c.local_amount)
               || CASE WHEN c.named_refund
                       THEN ' under payment ' || c.local_ers || '''s reference; SEQR has no refund of that amount on terminal '
                            || c.local_terminal || ' near ' || CAST(c.posted_at AS VARCHAR)
                       ELSE ' under ersReference ' || c.local_ers || '; SEQR has no such refund' END
           WHEN 'LATE_MATCHED' THEN 'was ' || c.first_category || ' in period ' || c.first_period || '; matched now'
               || CASE WHEN c.resolution IS NOT NULL THEN '; the other side had been resolved by hand: ' || c.resolution ELSE '' END
               || CASE WHEN c.refund_linked THEN ' (a refund booked under payment ' || c.local_ers || '''s reference)' ELSE '' END
           WHEN 'IN_TRANSIT' THEN CASE WHEN c.seqr_amount < 0 THEN 'SEQR made this refund ' ELSE 'SEQR took this payment ' END
               || CAST(CAST(epoch(c.seqr_marked_at) - epoch(try_strptime(substr(c.ers_reference, 1, 14), '%Y%m%d%H%M%S')) AS BIGINT) AS VARCHAR)
               || ' s before the close; the till''s post has not arrived yet'
       END,
       NULL, NULL, NULL, c.first_close_seq, c.post_first_close_seq, c.post_reference, CASE WHEN c.at_seqr THEN c.seqr_n END
FROM unmatched c JOIN cuts k ON k.shop_id = c.shop_id
LEFT JOIN round_periods sp ON sp.period_no = c.seqr_period_no
LEFT JOIN cur tp ON tp.shop_id = c.shop_id AND tp.terminal_id = c.local_terminal
LEFT JOIN links lk ON lk.shop_id = c.shop_id AND lk.seqr_key = c.seqr_key
ANTI JOIN paired pd ON pd.shop_id = c.shop_id AND pd.k = coalesce(c.local_key, c.seqr_key)
UNION ALL
SELECT k.shop_id, k.close_seq, k.label_period,
       coalesce(l.first_period, s.first_period, sp.period_id), 'PROBABLE_MATCH', l.local_key, s.seqr_key, NULL,
       s.terminal_id, l.cashier_id, s.ers_reference, l.invoice_reference,
       l.local_amount, s.seqr_amount, l.local_amount - s.seqr_amount, l.posted_at,
       'the post at file:line ' || substr(l.local_key, 3) || ' (ersReference ' || l.ers_reference || ') is probably this SEQR payment: amounts '
           || CAST(CAST(p.amount_gap AS DECIMAL(18,2)) AS VARCHAR) || ' apart, times ' || CAST(CAST(p.time_gap AS BIGINT) AS VARCHAR)
           || ' s apart; score ' || CAST(p.score AS VARCHAR),
       p.score, NULL, NULL, least(l.first_close_seq, s.first_close_seq), l.post_first_close_seq, l.post_reference, s.seqr_n
FROM probable p JOIN cuts k ON k.shop_id = p.shop_id
JOIN unmatched l ON l.shop_id = p.shop_id AND l.local_key = p.local_key AND l.seqr_key IS NULL
JOIN unmatched s ON s.shop_id = p.shop_id AND s.seqr_key = p.seqr_key AND s.local_key IS NULL
LEFT JOIN round_periods sp ON sp.period_no = s.seqr_period_no
UNION ALL
SELECT k.shop_id, k.close_seq, k.label_period,
       coalesce(e.first_period, tp.period_id, k.shop_period, k.label_period), 'DUPLICATE_LOCAL',
       'P:' || CAST(d.file_id AS VARCHAR) || ':' || CAST(d.line AS VARCHAR), NULL, NULL,
       d.terminal_id, d.cashier_id, d.ers_reference, d.invoice_reference,
       d.amount, NULL, d.amount, d.posted_at,
       'copy ' || CAST(d.copy_no AS VARCHAR) || ' of ersReference ' || d.ers_reference || '; the first is file:line ' || d.first_copy,
       NULL, NULL, NULL, e.close_seq, e.close_seq, d.ers_reference, NULL
-- From the copies, not from open_local: reading the few copies instead of every
-- open post keeps DuckDB from materializing the million ranked posts.
FROM copies d JOIN cuts k ON k.shop_id = d.shop_id
LEFT JOIN cur tp ON tp.shop_id = d.shop_id AND tp.terminal_id = d.terminal_id
LEFT JOIN earlier_posts e ON e.shop_id = d.shop_id AND e.file_id = d.file_id AND e.line = d.line
WHERE d.copy_no > 1 AND NOT d.is_settled
UNION ALL
SELECT k.shop_id, k.close_seq, k.label_period,
       coalesce(e.first_period, u.due_period), 'UNPOLLED_REVERSED', NULL, NULL, u.k,
       u.terminal_id, NULL, NULL, u.invoice_reference,
       u.amount, NULL, NULL, u.sent_at,
       'invoice ' || u.invoice_reference || ' for ' || amount_text(u.amount) || ' ' || u.currency || ' was '
           || CASE WHEN u.last_status IS NULL THEN 'never polled' ELSE 'last polled while ISSUED' END
           || ', with no post and no cancel',
       NULL, NULL, NULL, e.close_seq, NULL, NULL, NULL
FROM unpolled u JOIN cuts k ON k.shop_id = u.shop_id
LEFT JOIN earlier e ON e.shop_id = u.shop_id AND e.k = u.k
UNION ALL
-- An unpolled invoice of an earlier close that now has a post or a final status.
SELECT k.shop_id, k.close_seq, k.label_period,
       e.first_period, 'LATE_MATCHED', NULL, NULL, e.k,
       j.terminal_id, NULL, NULL, j.invoice_reference,
       j.amount, NULL, NULL, j.sent_at,
       'was ' || e.first_category || ' in period ' || e.first_period || '; the POS has since recorded it',
       NULL, NULL, NULL, e.close_seq, NULL, NULL, NULL
FROM earlier e JOIN cuts k ON k.shop_id = e.shop_id
JOIN journal j ON j.shop_id = e.shop_id AND j.k = e.k
ANTI JOIN unpolled u ON u.shop_id = e.shop_id AND u.k = e.k
ANTI JOIN settled_invoices s ON s.shop_id = e.shop_id AND s.k = e.k
UNION ALL
SELECT k.shop_id, k.close_seq, k.label_period,
       cp.period_id, 'SUMMARY_MISMATCH', NULL, 'M:' || cp.period_id, NULL,
       cp.terminal_id, NULL, NULL, NULL,
       NULL, coalesce(dt.total, 0), sm.total - coalesce(dt.total, 0), NULL,
       'SEQR summary says ' || CAST(sm.n AS VARCHAR) || ' transactions totalling ' || amount_text(sm.total)
           || ', its detail rows are ' || CAST(coalesce(dt.n, 0) AS VARCHAR) || ' totalling ' || amount_text(coalesce(dt.total, 0)),
       NULL, NULL, NULL, NULL, NULL, NULL, NULL
FROM cur cp JOIN cuts k ON k.shop_id = cp.shop_id
JOIN (SELECT period_id, sum(sales_count) AS n, sum(sales_total) AS total FROM seqr_summaries_of_closes($closes)
      GROUP BY period_id) sm
  ON sm.period_id = cp.period_id
LEFT JOIN (SELECT period_id, count(*) AS n, sum(amount) AS total FROM cur_rows GROUP BY period_id) dt
  ON dt.period_id = cp.period_id
WHERE sm.n <> coalesce(dt.n, 0) OR sm.total <> coalesce(dt.total, 0);
