-- What reading a POS file needs beside the file: the configured shops with
-- their currencies, the invoice statuses and the blank lines the scan found
-- (each filled by the store), and no refusals of an earlier file.
CREATE OR REPLACE TEMP TABLE pos_shops (shop_id VARCHAR, currency VARCHAR);
CREATE OR REPLACE TEMP TABLE pos_statuses (status VARCHAR);
CREATE OR REPLACE TEMP TABLE pos_blank_lines (line BIGINT);
DROP TABLE IF EXISTS pos_reject_errors;
DROP TABLE IF EXISTS pos_reject_scans;
