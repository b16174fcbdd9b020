-- The summary rows of one report, before they are stored again.
DELETE FROM seqr_summaries WHERE period_id = $period_id AND report_id = $report_id
