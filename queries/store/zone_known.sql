-- Whether a time zone's offsets are stored.
SELECT count(*) > 0 FROM zone_offsets WHERE timezone = $timezone
