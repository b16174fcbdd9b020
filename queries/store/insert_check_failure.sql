INSERT INTO check_failures VALUES ($close_id, $run_id, now(), $check, $detail)
