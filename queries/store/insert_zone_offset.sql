-- One span of a time zone's offset from UTC.
INSERT INTO zone_offsets VALUES ($timezone, $utc_from, $utc_until, $offset_seconds)
