-- Which of the time zones $timezones (a list) have their offsets stored.
SELECT DISTINCT timezone FROM zone_offsets WHERE list_contains(CAST($timezones AS VARCHAR[]), timezone);
