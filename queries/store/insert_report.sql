-- One fetched report: its raw text (zstd), what the parser read (for the self-check) and the hash of SEQR's answer.
INSERT INTO seqr_reports VALUES ($period_id, $report_id, $terminal_id, $generated_at, now(), $attempts,
                                 $response_sha256, $report_zst, $parsed_rows, $parsed_total, $client_reference)
