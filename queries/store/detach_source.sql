-- The configured database, no longer needed once copied.
DETACH source
