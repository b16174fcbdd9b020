-- A run looks up each close's periods by the close (queries/store/periods_of.sql), several times
-- a close: by an index, not by reading every period ever marked, one a shop a night.
CREATE INDEX periods_by_close ON periods (close_id);
