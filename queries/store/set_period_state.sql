-- Where a period's reports stand.
UPDATE periods SET state = $state WHERE period_id = $period_id
