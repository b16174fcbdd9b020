-- The hashes of SEQR's answers to executeReport for one report ($answers: {client_reference,
-- result_code, response_sha256} each; result code 0, or 2 for REPORT_NOT_READY).
INSERT INTO soap_responses
SELECT $close_id, 'executeReport', a.client_reference, $period_id, $report_id, a.result_code, a.response_sha256, now()
FROM (SELECT unnest(CAST($answers AS STRUCT(client_reference VARCHAR, result_code INTEGER, response_sha256 VARCHAR)[]),
                    recursive := true)) a;
