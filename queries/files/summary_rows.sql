-- summary.csv's rows, typed: what the workbook and the email read (close_summary in summary.sql).
FROM close_summary($closes);
