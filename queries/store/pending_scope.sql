-- The scope whose markTransactionPeriod was in flight, if any.
SELECT pending_scope FROM closes WHERE close_id = $close_id
