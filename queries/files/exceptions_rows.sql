-- exceptions.csv's rows, typed: what the workbook and the email read (close_exceptions in exceptions.sql).
FROM close_exceptions($closes);
