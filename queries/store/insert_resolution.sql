INSERT INTO exception_resolutions VALUES ($item_key, $category, $resolved_by, now(), $how, $why)
