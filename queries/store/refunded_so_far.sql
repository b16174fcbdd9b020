SELECT coalesce(sum(amount), 0)::DECIMAL(18,5) FROM refunds WHERE original_ers_reference = $ers_reference
