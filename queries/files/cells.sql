-- How a close's CSV files write each cell as text, for DuckDB's COPY: the
-- rules export::cell_text applies to the rows it writes itself, which a test
-- compares byte for byte. A NULL is written as an empty cell.

-- Text that a spreadsheet would run as a formula gets a leading apostrophe;
-- an empty text is an empty cell.
CREATE OR REPLACE TEMP MACRO csv_text(t) AS
    CASE WHEN left(t, 1) IN ('=', '+', '-', '@', chr(9), chr(13)) THEN '''' || t ELSE NULLIF(t, '') END;

-- A number written with a decimal comma when the file's locale wants one.
CREATE OR REPLACE TEMP MACRO csv_number(t, decimal_comma) AS
    CASE WHEN decimal_comma THEN replace(t, '.', ',') ELSE t END;

-- An amount as stored: five decimals.
CREATE OR REPLACE TEMP MACRO csv_exact(amount, decimal_comma) AS
    csv_number(CAST(CAST(amount AS DECIMAL(38,5)) AS VARCHAR), decimal_comma);

-- A total or a difference: two decimals, half away from zero.
CREATE OR REPLACE TEMP MACRO csv_display(amount, decimal_comma) AS
    csv_number(CAST(CAST(round(amount, 2) AS DECIMAL(38,2)) AS VARCHAR), decimal_comma);

-- A time (UTC) in RFC 3339, with as many fraction digits as it has (0, 3 or 6).
CREATE OR REPLACE TEMP MACRO csv_time(t) AS
    CASE WHEN microsecond(t) % 1000000 = 0 THEN strftime(t, '%Y-%m-%dT%H:%M:%SZ')
         WHEN microsecond(t) % 1000 = 0 THEN strftime(t, '%Y-%m-%dT%H:%M:%S.%gZ')
         ELSE strftime(t, '%Y-%m-%dT%H:%M:%S.%fZ') END;

-- The cells of an item row (r, a row of close_transactions or close_exceptions): the columns the
-- two files share, in their order, as a struct a SELECT unnests into columns.
CREATE OR REPLACE TEMP MACRO item_cells(r, decimal_comma) AS {
    'category': csv_text(r.category), 'shop_id': csv_text(r.shop_id), 'shop_name': csv_text(r.shop_name),
    'period_id': csv_text(r.period_id), 'terminal_id': csv_text(r.terminal_id),
    'terminal_name': csv_text(r.terminal_name), 'cashier_id': csv_text(r.cashier_id),
    'ers_reference': csv_text(r.ers_reference), 'invoice_reference': csv_text(r.invoice_reference),
    'local_amount': csv_exact(r.local_amount, decimal_comma), 'seqr_amount': csv_exact(r.seqr_amount, decimal_comma),
    'difference': csv_display(r.difference, decimal_comma), 'posted_at': csv_time(r.posted_at),
    'detail': csv_text(r.detail)
};
