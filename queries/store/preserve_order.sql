-- Whether rows keep their query's order through COPY (a setting of the whole database).
SET preserve_insertion_order = $preserve
