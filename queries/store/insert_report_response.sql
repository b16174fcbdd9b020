-- The hash of one of SEQR's answers to executeReport (result code 0, or 2 for REPORT_NOT_READY).
INSERT INTO soap_responses VALUES ($close_id, 'executeReport', $client_reference, $period_id, $report_id, $result_code,
                                   $response_sha256, now())
