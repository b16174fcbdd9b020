-- The detail rows of one report, before they are stored again.
DELETE FROM seqr_rows WHERE period_id = $period_id AND report_id = $report_id
