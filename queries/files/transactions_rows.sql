-- transactions.csv's rows, typed: what the workbook and the email read (close_transactions in transactions.sql).
FROM close_transactions($closes);
