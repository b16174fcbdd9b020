-- A markTransactionPeriod for $scope is about to be sent.
UPDATE closes SET state = 'marking', pending_scope = $scope, updated_at = now() WHERE close_id = $close_id
