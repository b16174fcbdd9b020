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
