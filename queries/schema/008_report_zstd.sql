-- A report's raw text is kept zstd-compressed from now on (level 1: several times quicker than
-- gzip for the same size); reports stored before stay gzip. The column says neither codec, and
-- decompress_report (src/seqr/client.rs) tells them apart by their magic numbers.
ALTER TABLE seqr_reports RENAME COLUMN report_gz TO report_compressed;
