-- Steps of closes, for the `runs` table (v_runs reads it): $steps is a list of
-- {run_id, close_id, shop_id, step, started_at, finished_at, outcome, detail}.
INSERT INTO runs
SELECT run_id, close_id, shop_id, step, started_at, finished_at, outcome, detail
FROM (SELECT unnest(CAST($steps AS STRUCT(run_id VARCHAR, close_id VARCHAR, shop_id VARCHAR, step VARCHAR,
                                          started_at TIMESTAMP, finished_at TIMESTAMP, outcome VARCHAR,
                                          detail VARCHAR)[]), recursive := true));
