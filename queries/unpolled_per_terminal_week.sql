-- Invoices left unpolled while ISSUED (or never polled), per terminal and ISO week.
-- Parameter: $shop_id, e.g. --param shop_id=stockholm-1.
SELECT terminal_id, strftime(sent_at, '%G-W%V') AS week, count(*) AS unpolled, sum(amount) AS amount
FROM (
    SELECT * FROM pos_invoices WHERE shop_id = $shop_id
    QUALIFY row_number() OVER (PARTITION BY invoice_reference ORDER BY file_id DESC, line DESC) = 1
)
WHERE coalesce(last_status, 'ISSUED') = 'ISSUED'
GROUP BY ALL
ORDER BY week, terminal_id;
