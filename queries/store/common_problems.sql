-- The problems of pos_staged that either feed can have, for check_*.sql: the
-- line, column, what is wrong and the value as written, with n, the column's
-- place in the line. reference_column names the feed's reference column,
-- staged as `reference`. Made after each file is staged, as DuckDB binds a
-- table macro to the table it reads when the macro is made.
CREATE OR REPLACE TEMP MACRO pos_common_problems(reference_column) AS TABLE
    SELECT line, 'shop_id' AS col, 'unknown_shop' AS problem, shop_id AS value, 0 AS n FROM pos_staged WHERE shop_currency IS NULL
    UNION ALL
    SELECT line, 'currency', 'wrong_currency', currency, 1 FROM pos_staged
    WHERE shop_currency IS NOT NULL AND currency IS DISTINCT FROM shop_currency
    UNION ALL
    SELECT line, 'terminal_id', 'empty', '', 2 FROM pos_staged WHERE coalesce(terminal_id, '') = ''
    UNION ALL
    SELECT line, reference_column, 'empty', '', 3 FROM pos_staged WHERE coalesce(reference, '') = ''
    UNION ALL
    -- Ids are at most 64 characters (too_long_N: N is the most).
    SELECT line, 'terminal_id', 'too_long_64', CAST(length(terminal_id) AS VARCHAR), 2 FROM pos_staged
    WHERE length(terminal_id) > 64
    UNION ALL
    SELECT line, reference_column, 'too_long_64', CAST(length(reference) AS VARCHAR), 3 FROM pos_staged
    WHERE length(reference) > 64
    UNION ALL
    SELECT line, 'amount', CASE
               WHEN NOT pos_decimal(coalesce(amount_text, '')) THEN 'not_decimal'
               WHEN length(split_part(amount_text, '.', 2)) > 5 THEN 'too_many_places'
               ELSE 'too_large' END, coalesce(amount_text, ''), 4
    FROM pos_staged WHERE amount IS NULL;
