-- An email the mail server refused for good (a 5xx answer, such as 550 for a
-- recipient): never retried by itself; `resend` queues the report again.
ALTER TABLE emails ADD COLUMN refused_at TIMESTAMP;
