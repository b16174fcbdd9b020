-- The database's schema version: its latest migration.
SELECT coalesce(max(version), 0) FROM schema_migrations
