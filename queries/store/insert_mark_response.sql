-- The hash of SEQR's answer to markTransactionPeriod.
INSERT INTO soap_responses VALUES ($close_id, 'markTransactionPeriod', $client_reference, $period_id, NULL, 0, $response_sha256, now())
