-- A close's first period labels it (and names its reports folder).
UPDATE closes SET label_period_id = coalesce(label_period_id, $period_id), updated_at = now() WHERE close_id = $close_id
