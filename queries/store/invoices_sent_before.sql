-- The last line earlier invoice-journal files of this name sent (0: none).
SELECT coalesce(max(line), 0) FROM pos_invoices
WHERE file_id IN (SELECT file_id FROM pos_files WHERE file_name = $file_name AND feed = 'invoices')
