-- One step of a close, for the `runs` table (v_runs reads it).
INSERT INTO runs VALUES ($run_id, $close_id, $shop_id, $step, $started_at, now(), $outcome, $detail)
