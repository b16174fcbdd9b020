-- Opens a transaction (Store::transaction).
BEGIN TRANSACTION
