-- The lake's `items`: each item shop $shop_id ever showed as an exception, once, in its latest state
-- (the view items_current, but shop_id, which the folder name carries); times as UTC instants.
-- Written to the Parquet file $path.
COPY (
    SELECT item_key, category, first_close_seq, CAST(first_seen_at AS TIMESTAMPTZ) AS first_seen_at, last_close_seq,
           listed_now, state, reopened, snoozed_until, resolved_how, state_note, state_by,
           CAST(state_at AS TIMESTAMPTZ) AS state_at, period_id, terminal_id, terminal_name, cashier_id,
           ers_reference, invoice_reference, local_amount, seqr_amount, difference, at_risk,
           CAST(posted_at AS TIMESTAMPTZ) AS posted_at, detail
    FROM items_current WHERE shop_id = $shop_id
) TO $path (FORMAT parquet, COMPRESSION zstd);
