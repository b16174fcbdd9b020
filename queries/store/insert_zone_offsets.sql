-- Spans of time zones' offsets from UTC ($spans: {timezone, utc_from, utc_until, offset_seconds} each).
INSERT INTO zone_offsets
SELECT timezone, utc_from, utc_until, offset_seconds
FROM (SELECT unnest(CAST($spans AS STRUCT(timezone VARCHAR, utc_from TIMESTAMP, utc_until TIMESTAMP,
                                          offset_seconds INTEGER)[]), recursive := true));
