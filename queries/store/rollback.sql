-- Rolls back the open transaction: a guard dropped before its commit.
ROLLBACK
