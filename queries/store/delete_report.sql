-- A report fetched again replaces the earlier copy.
DELETE FROM seqr_reports WHERE period_id = $period_id AND report_id = $report_id
