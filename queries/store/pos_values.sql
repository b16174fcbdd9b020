-- What a POS file's values must look like, for stage_*.sql and check_*.sql
-- (made for the connection before a file is read).
-- A decimal as written: digits, at most one point, an optional sign.
CREATE OR REPLACE TEMP MACRO pos_decimal(t) AS regexp_full_match(t, '[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)');
-- An amount: a decimal of at most 5 places that fits DECIMAL(18,5); else NULL.
CREATE OR REPLACE TEMP MACRO pos_amount(t) AS
    CASE WHEN pos_decimal(t) AND length(split_part(t, '.', 2)) <= 5 THEN TRY_CAST(t AS DECIMAL(18,5)) END;
-- A time in RFC 3339 with its UTC offset, made UTC; else NULL. An offset is
-- one the world uses: at most 14 hours, minutes below 60 (a +99:00 would move
-- the sale days away).
CREATE OR REPLACE TEMP MACRO pos_time(t) AS
    CASE WHEN regexp_full_match(t, '[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?([Zz]|[+-](0[0-9]|1[0-4]):[0-5][0-9])')
         THEN CAST(TRY_CAST(t AS TIMESTAMPTZ) AS TIMESTAMP) END;
